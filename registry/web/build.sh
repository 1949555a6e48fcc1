#!/bin/sh
# Rebuilds dist/app.js (embedded into the Go binary with dist/index.html
# and dist/style.css) from src/ and the npm packages pinned in
# package-lock.json. Needs Node 20+ and npm; `go build`
# does not: dist/ is committed. Run from anywhere: registry/web/build.sh
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
rm -f dist/app.js dist/THIRD_PARTY_LICENSES.txt
./node_modules/.bin/esbuild src/main.js --bundle --format=esm --target=es2020 --minify \
  --legal-comments=none --log-level=warning \
  --banner:js="/* Baton UI (registry/web/src + @dagrejs/dagre, see THIRD_PARTY_LICENSES.txt); rebuild: registry/web/build.sh */" --outfile=dist/app.js
{
  echo "dist/app.js bundles these npm packages (versions in package-lock.json):"
  for p in @dagrejs/dagre @dagrejs/graphlib; do
    echo
    echo "== $p $(node -p "require('./node_modules/$p/package.json').version")"
    cat "node_modules/$p/LICENSE"
  done
} > dist/THIRD_PARTY_LICENSES.txt
echo "built dist/: $(wc -c < dist/app.js) bytes of JS"
