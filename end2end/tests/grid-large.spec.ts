// The grid over a large library: the same DOM size as a small one.
import { gridTests } from './support/grid-cases';

gridTests(Number(process.env.E2E_LARGE_LIBRARY ?? 1_000_000));
