#[cfg(target_arch = "wasm32")]
fn main() {
    marginalia::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Marginalia runs in the browser: use `make serve` (or `make dist`).");
}
