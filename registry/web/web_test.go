package web_test

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry/web"
)

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := web.Handler()
	tests := []struct {
		method, path string
		status       int
		contentType  string
	}{
		{"GET", "/ui/", 200, "text/html; charset=utf-8"},
		{"HEAD", "/ui/", 200, "text/html; charset=utf-8"},
		{"GET", "/ui/app.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/ui/style.css", 200, "text/css; charset=utf-8"},
		{"GET", "/ui/THIRD_PARTY_LICENSES.txt", 200, "text/plain; charset=utf-8"},
		{"GET", "/ui/nope.html", 404, ""},
		{"GET", "/ui/../web.go", 404, ""},
		{"GET", "/elsewhere", 404, ""},
		{"PUT", "/ui/app.js", 405, ""},
		{"DELETE", "/ui/", 405, ""},
	}
	for _, tc := range tests {
		rec := get(t, h, tc.method, tc.path)
		if rec.Code != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if tc.contentType != "" && rec.Header().Get("Content-Type") != tc.contentType {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, rec.Header().Get("Content-Type"), tc.contentType)
		}
		// Security headers on every answer, errors included.
		if rec.Header().Get("Content-Security-Policy") != web.ContentSecurityPolicy || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: headers %v", tc.method, tc.path, rec.Header())
		}
	}
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(web.ContentSecurityPolicy, directive) {
			t.Errorf("CSP lacks %s", directive)
		}
	}
	if strings.Contains(web.ContentSecurityPolicy, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %s", web.ContentSecurityPolicy)
	}
}

// TestDistMatchesSources checks dist/: the page loads its script and
// stylesheet, nothing else is served, and, where the npm packages are
// installed (registry/web/node_modules), the bundle is rebuilt from src/
// and compared byte for byte, so a change to src/ without ./build.sh fails.
func TestDistMatchesSources(t *testing.T) {
	t.Parallel()
	page, _ := os.ReadFile(filepath.Join("dist", "index.html"))
	for _, ref := range []string{`src="app.js"`, `href="style.css"`} {
		if !bytes.Contains(page, []byte(ref)) {
			t.Errorf("index.html does not load %s", ref)
		}
	}
	// Nothing but the page, its script, its stylesheet and the licences.
	var files []string
	_ = fs.WalkDir(os.DirFS("dist"), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if strings.Join(files, " ") != "THIRD_PARTY_LICENSES.txt app.js index.html style.css" {
		t.Errorf("dist holds %v", files)
	}

	esbuild := filepath.Join("node_modules", ".bin", "esbuild")
	if _, err := os.Stat(esbuild); err != nil {
		t.Log("node_modules not installed: bundle not rebuilt (run registry/web/build.sh to check it)")
		return
	}
	script, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	// The esbuild invocation of build.sh, writing elsewhere.
	cmdText := string(script[bytes.Index(script, []byte("./node_modules/.bin/esbuild")):])
	cmdText = cmdText[:strings.Index(cmdText, "--outfile=")]
	out := filepath.Join(t.TempDir(), "app.js")
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(cmdText, "\\\n", " ")+"--outfile="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, msg)
	}
	rebuilt, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if committed, _ := os.ReadFile(filepath.Join("dist", "app.js")); !bytes.Equal(rebuilt, committed) {
		t.Errorf("dist/app.js is stale (%d bytes; rebuilt %d): run registry/web/build.sh", len(committed), len(rebuilt))
	}
}
