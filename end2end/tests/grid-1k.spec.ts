// The grid over a small library (1,000 assets).
import { gridTests } from './support/grid-cases';

gridTests(1_000);
