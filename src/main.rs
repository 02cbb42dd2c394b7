//! Entry point of the wasm app: built and served by Trunk (`cargo xtask run`).
fn main() {
    immich_grid::mount();
}
