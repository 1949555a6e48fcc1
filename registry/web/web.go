// Package web is Baton's impact-graph UI (issue #8): a static single-page
// app embedded in the binary and served under /ui/. It reads the JSON API
// only and needs nothing from the network: no CDN, no external fonts.
//
// dist/ is what is served: index.html and style.css (edited in place) and
// app.js, which build.sh bundles from the ES modules in src/ and the graph
// layout library (@dagrejs/dagre, pinned in package-lock.json). app.js is
// committed so that `go build` needs no Node.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed dist
var dist embed.FS

// Prefix is the URL path the UI is served under.
const Prefix = "/ui/"

// ContentSecurityPolicy lets the page load only its own files and talk
// only to its own server; images may be data: or blob: URLs (the PNG
// export draws the graph through one).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the UI's files for requests under Prefix, with security
// headers. Unknown files are 404; "/ui/" is index.html (views live in the
// URL fragment, so every deep link loads the same page).
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if !strings.HasPrefix(r.URL.Path, Prefix) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
