package browsertest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// page is a tiny UI that follows the ready-flag contract: it renders after
// a delay, and renders again on a click.
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>t</title><link rel="icon" href="data:,"></head>
<body data-ready="false">
<input id="q" type="text">
<button id="again">again</button>
<button id="save">save</button>
<p id="out"></p>
<script>
let renders = 0;
function render() {
  document.body.dataset.ready = "false";
  setTimeout(() => {
    renders++;
    document.getElementById("out").textContent = "render " + renders;
    document.body.dataset.ready = "true";
  }, 150);
}
document.getElementById("again").addEventListener("click", render);
document.getElementById("save").addEventListener("click", () => {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob(["digraph { a -> b }\n"], {type: "text/plain"}));
  a.download = "graph.dot";
  document.body.append(a);
  a.click();
  a.remove();
});
document.getElementById("q").addEventListener("keydown", e => {
  if (e.key === "Enter") console.error("enter pressed in", e.target.id);
});
render();
</script>
</body></html>`

func startPage(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBrowserRunsWithExactlyTheAgreedFlags(t *testing.T) {
	b := Start(t)
	want := []string{"--user-data-dir=" + b.UserDataDir(), "--remote-debugging-pipe", "about:blank"}
	for _, f := range Flags {
		want = append(want, "--"+f)
	}
	slices.Sort(want)
	got := b.Args()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("chromium started with:\n got %q\nwant %q", got, want)
	}
	// The running browser has every one of them (Debian's wrapper adds its own).
	running, err := b.CommandLine()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range want {
		if !slices.Contains(running, a) {
			t.Errorf("the browser process lacks %s: %q", a, running)
		}
	}
	if !strings.HasPrefix(b.UserDataDir(), os.TempDir()) {
		t.Errorf("user data dir %s is not a fresh test temp dir", b.UserDataDir())
	}
}

func TestPageWaitsForReadyAndReportsConsoleErrors(t *testing.T) {
	url := startPage(t)
	b := Start(t)
	p := b.NewPage(t, 640, 480)

	p.Open(url)
	if got := Eval[string](p, `document.getElementById("out").textContent`); got != "render 1" {
		t.Fatalf("after Open: %q, want the first render", got)
	}
	// Act hides the previous "true", so the wait sees the second render.
	p.Act(chromedp.Click(chromedp.CSS("#again")))
	if got := Eval[string](p, `document.getElementById("out").textContent`); got != "render 2" {
		t.Fatalf("after Act: %q, want the second render", got)
	}
	if w := Eval[int](p, `window.innerWidth`); w != 640 {
		t.Errorf("viewport width %d, want 640", w)
	}

	if err := p.Until(`false`, 100*time.Millisecond); err == nil {
		t.Error("Until of a false expression returned nil")
	}

	name, data := p.Download(chromedp.Click(chromedp.CSS("#save")))
	if name != "graph.dot" || string(data) != "digraph { a -> b }\n" {
		t.Errorf("download: %q %q, want graph.dot with the blob's text", name, data)
	}

	png := p.Screenshot("page")
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG: % x", png[:8])
	}
	saved, err := os.ReadFile(filepath.Join(b.ArtifactDir(), artifactName(t.Name()+"-page")+".png"))
	if err != nil || !bytes.Equal(saved, png) {
		t.Errorf("saved screenshot: %v, %d bytes, want %d", err, len(saved), len(png))
	}

	// A console error is caught: Enter in the input logs one.
	p.Do(chromedp.Focus(chromedp.CSS("#q")), chromedp.KeyEvent("\r"))
	if err := p.Until(`true`, time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(p.Problems()) == 0 && time.Now().Before(deadline) {
		time.Sleep(pollEvery)
	}
	got := p.TakeProblems()
	if len(got) != 1 || !strings.Contains(got[0], "error: enter pressed in q") {
		t.Errorf("console problems %q, want the one console.error", got)
	}

	// An uncaught exception is caught too.
	p.Do(chromedp.Evaluate[chromedp.Void](`setTimeout(() => { throw new Error("boom") }, 0)`))
	deadline = time.Now().Add(5 * time.Second)
	for len(p.Problems()) == 0 && time.Now().Before(deadline) {
		time.Sleep(pollEvery)
	}
	got = p.TakeProblems()
	if len(got) != 1 || !strings.HasPrefix(got[0], "exception:") || !strings.Contains(got[0], "boom") {
		t.Errorf("console problems %q, want the uncaught exception", got)
	}
}

func TestRequestsOffLoopbackAreProblems(t *testing.T) {
	url := startPage(t)
	b := Start(t)
	p := b.NewPage(t, 640, 480)
	p.Open(url)
	if pr := p.Problems(); len(pr) != 0 {
		t.Fatalf("the page served from 127.0.0.1 had problems: %q", pr)
	}
	// 127.0.0.2 is loopback too, and port 9 is one Chromium refuses to
	// connect to, so nothing is sent; but it is not the test server's address.
	p.Do(chromedp.Evaluate[chromedp.Void](`fetch("http://127.0.0.2:9/font.woff2").then(() => 0, () => 0)`, chromedp.EvalAwaitPromise))
	want := "request to another host than 127.0.0.1: http://127.0.0.2:9/font.woff2"
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(p.Problems(), want) && time.Now().Before(deadline) {
		time.Sleep(pollEvery)
	}
	// The refused load is a console error too; both are taken.
	if got := p.TakeProblems(); !slices.Contains(got, want) {
		t.Errorf("problems %q, want %q among them", got, want)
	}
}

func TestArtifactDirFromEnvironment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "artifacts", "nested")
	t.Setenv("BATON_ARTIFACTS", dir)
	b := Start(t)
	if b.ArtifactDir() != dir {
		t.Fatalf("ArtifactDir = %s, want %s", b.ArtifactDir(), dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("BATON_ARTIFACTS not created: %v", err)
	}
}

func TestArtifactName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"TestBrowser/what-if/rename": "TestBrowser_what-if_rename",
		"a b:c.png":                  "a_b_c.png",
	} {
		if got := artifactName(in); got != want {
			t.Errorf("artifactName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBrowserStopsWhenTheTestEnds(t *testing.T) {
	var pid int
	t.Run("owner", func(t *testing.T) {
		b := Start(t)
		pid = chromedp.FromContext(b.ctx).Browser.Process().Pid
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			t.Fatalf("browser process %d not running: %v", pid, err)
		}
	})
	if pid == 0 {
		t.Fatal("the browser did not start")
	}
	// Cleanup waited for the process, so it is gone (not even a zombie).
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("browser process %d still exists after its test ended: %v", pid, err)
	}
}

func TestLocate(t *testing.T) { // not parallel: a subtest sets PATH
	bin := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "BATON_CHROMIUM" {
				return v
			}
			return ""
		}
	}
	if p, err := locate(env(bin), "/nonexistent/chromium"); p != bin || err != nil {
		t.Errorf("BATON_CHROMIUM set: %q %v, want %s", p, err, bin)
	}
	if _, err := locate(env(bin+".missing"), bin); err == nil || !strings.Contains(err.Error(), "BATON_CHROMIUM") {
		t.Errorf("BATON_CHROMIUM naming no file: %v, want an error naming it", err)
	}
	if p, err := locate(env(""), bin); p != bin || err != nil {
		t.Errorf("default path present: %q %v, want %s", p, err, bin)
	}
	t.Run("nothing anywhere", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if _, err := locate(env(""), "/nonexistent/chromium"); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium not found") {
			t.Errorf("no browser: %v, want an error naming the default path", err)
		}
	})
}
