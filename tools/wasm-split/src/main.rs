//! `make dist`'s splitting step (scripts/build-dist.mjs runs it between `cargo build` and
//! wasm-bindgen): reads the release wasm, linked with `--emit-relocs`, and writes the main module
//! (for wasm-bindgen), one wasm file per `#[wasm_split]` point and per chunk of code the points
//! share, and the JavaScript that fetches them on first use, as cargo-leptos does with `--split`.
//!
//! Usage: marginalia-wasm-split INPUT.wasm OUT_DIR GLUE_NAME
//! (GLUE_NAME: the wasm-bindgen glue's file name, which the loader imports `initSync` from).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out, glue] = args.as_slice() else {
        eprintln!("usage: marginalia-wasm-split INPUT.wasm OUT_DIR GLUE_NAME");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(out), glue) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-split: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, out: &Path, glue: &str) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    std::fs::create_dir_all(out)?;
    let main_out: PathBuf = out.join("main.wasm");
    let main_module = format!("./{glue}");
    let result = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = out;
        opts.main_out_path = &main_out;
        opts.main_module = &main_module;
        opts.link_name = "./__wasm_split.js";
        opts
    })
    .map_err(|e| format!("{e:?}"))?;
    // Which files each split point needs (its own and the chunks it shares), as JSON.
    let mut points: Vec<_> = result.prefetch_map.into_iter().collect();
    points.sort();
    let manifest = points
        .iter()
        .map(|(point, files)| {
            let files: Vec<String> = files.iter().map(|f| format!("\"{f}\"")).collect();
            format!("  \"{point}\": [{}]", files.join(", "))
        })
        .collect::<Vec<_>>()
        .join(",\n");
    std::fs::write(out.join("manifest.json"), format!("{{\n{manifest}\n}}\n"))?;
    println!(
        "wasm-split: {} split point(s), {} wasm file(s) loaded on first use",
        points.len(),
        result.split_modules.len()
    );
    Ok(())
}
