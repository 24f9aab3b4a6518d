# The two commands of README.md: `make serve` and `make test`.
.PHONY: test serve setup data

# Everything CI checks: formatting, lints, all tests, and that the library builds for wasm32.
test: setup
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo test --all-targets
	cargo check --lib --target wasm32-unknown-unknown

# Serves the page from the repository root on http://127.0.0.1:8000 (Ctrl-C stops it).
serve: setup
	cargo build --release
	python3 -m http.server 8000 --bind 127.0.0.1

# Idempotent: the wasm32 target for the wasm check.
setup:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# The full MNIST and Fashion-MNIST splits, checksum-verified (raw IDX in data/, gzip for the page in www/data/).
data:
	bash data/fetch.sh
