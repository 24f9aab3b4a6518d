# The two commands of README.md: `make serve` and `make test`. Every step installs what is
# missing first and skips itself when it is already done.
.PHONY: test serve setup tools data build build-bench unit wasm-test e2e lint fuzz-smoke bench bench-smoke explore-properties dist

PORT ?= 8000
WBG_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p}' Cargo.lock)

# Everything CI checks.
test: lint unit wasm-test e2e fuzz-smoke bench-smoke

lint: setup
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --test wasm --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --features bench -- -D warnings

# Native tests: the maths against independent references, the trainer, the command line. The data
# first: the tests on the full sets skip (and pass) without it.
unit: data
	cargo test --all-targets

# The wasm API in headless Chromium.
wasm-test: tools
	CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test wasm

# The page end to end on the real data: the full suite in headless Chromium, the smoke in
# Firefox ESR (tests/e2e/firefox.test.mjs) and WebKitGTK (tests/e2e/webkit.test.mjs); the release
# CLI too (tests/e2e/batchcurvature.test.mjs compares the page's numbers with `sifrian batch-curvature`).
e2e: build data dist
	cargo build --release
	npm run test:e2e

# The property tests with SEEDS (default 100) seeds besides CI's fixed one (minutes; not in `test`).
explore-properties:
	bash tests/explore_properties.sh

# The fuzz targets (model file, IDX, inspect case) for 20 s each from their seeds; fails on any crash.
fuzz-smoke:
	bash fuzz/smoke.sh

# The benchmark: native and headless Chromium (with the TensorFlow.js and plain-JS peers), size and
# start-up; prints a table and writes target/bench/bench.json (several minutes).
bench: build build-bench data
	cargo build --release
	node tests/bench/run.mjs

# CI's short run of the same benchmark (small preset, one 0.2 s window per row): target/bench/smoke.json.
bench-smoke: build build-bench data
	cargo build --release
	node tests/bench/run.mjs --smoke

# Builds the page and serves the repository root on http://127.0.0.1:$(PORT) (Ctrl-C stops it).
serve: build data
	@echo "sifrian: http://127.0.0.1:$(PORT)/"
	python3 -m http.server $(PORT) --bind 127.0.0.1

# One self-contained static folder, dist/: the page, its scripts, the wasm, the gzip data sets and
# the licence notes (tests/dist-notice.md); relative paths only, so it works from any sub-path of
# any static host (tests/e2e/dist.test.mjs serves it under /a/b/). Prints its size.
dist: build data
	rm -rf dist
	mkdir -p dist/www/pkg dist/www/data
	cp index.html dist/
	cp tests/dist-notice.md dist/NOTICE.md
	for f in www/*.js www/style.css; do case "$$f" in www/bench.js|www/sw.js) ;; *) cp "$$f" dist/www/ ;; esac; done
	cp sw.js dist/
	cp www/pkg/sifrian.js www/pkg/sifrian_bg.wasm dist/www/pkg/
	cp -r www/data/mnist www/data/fashion dist/www/data/
	@du -sb dist | awk '{print "dist: " $$1 " bytes"}'; find dist -type f | wc -l | awk '{print "dist: " $$1 " files"}'

# The wasm32 target.
setup:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# The wasm-bindgen CLI of exactly the Cargo.lock version, npm packages (playwright-core, binaryen,
# TensorFlow.js for the benchmark, puppeteer-core for Firefox),
# Debian's Chromium and ChromeDriver, Firefox ESR, WebKitGTK's WebDriver and MiniBrowser, Xvfb.
tools: setup
	@[ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WBG_VERSION)" ] || cargo install wasm-bindgen-cli --version $(WBG_VERSION)
	@[ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/playwright-core ] && [ -d node_modules/@tensorflow/tfjs-backend-wasm ] && [ -d node_modules/puppeteer-core ] || npm ci --no-audit --no-fund
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/firefox-esr ] && [ -x /usr/bin/WebKitWebDriver ] && [ -x /usr/bin/xvfb-run ] \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver firefox-esr webkit2gtk-driver xvfb)

# The full MNIST and Fashion-MNIST splits, checksum-verified (raw IDX in data/, gzip for the page in www/data/).
data:
	bash data/fetch.sh

WASM_OPT := node_modules/.bin/wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
WASM_OUT := target/wasm32-unknown-unknown/release/sifrian.wasm

# The page's wasm: cargo -> wasm-bindgen (--target web) -> wasm-opt from npm binaryen, into www/pkg/;
# then sw.js (the page's service worker, from www/sw.js) with the build id: a hash of the wasm and the JS.
build: tools
	cargo build --lib --release --target wasm32-unknown-unknown
	wasm-bindgen --target web --out-dir www/pkg $(WASM_OUT)
	$(WASM_OPT) www/pkg/sifrian_bg.wasm -o www/pkg/sifrian_bg.wasm
	@id=$$(cat www/pkg/sifrian.js www/pkg/sifrian_bg.wasm index.html www/*.js www/style.css | sha256sum | cut -c1-16); \
	  sed "s/__BUILD__/$$id/" www/sw.js > sw.js; echo "sw.js: build $$id"
	@ls -l www/pkg/sifrian_bg.wasm | awk '{print "wasm: " $$5 " bytes"}'; gzip -9c www/pkg/sifrian_bg.wasm | wc -c | awk '{print "wasm gzip -9: " $$1 " bytes"}'

# The benchmark's wasm (www/bench.html): the page's plus its workloads (`--features bench`), into www/pkg-bench/.
build-bench: build
	cargo build --lib --release --target wasm32-unknown-unknown --features bench
	wasm-bindgen --target web --out-dir www/pkg-bench $(WASM_OUT)
	$(WASM_OPT) www/pkg-bench/sifrian_bg.wasm -o www/pkg-bench/sifrian_bg.wasm
