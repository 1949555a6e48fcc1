// Package browsertest runs a real headless Debian chromium for a test and
// drives it over the DevTools protocol (chromedp).
//
// Start launches /usr/bin/chromium (or the binary named by BATON_CHROMIUM)
// with exactly the flags in Flags and a fresh --user-data-dir under
// t.TempDir(), and stops it in t.Cleanup. Without the binary the test is
// skipped, unless BATON_REQUIRE_BROWSER is set: then it fails, so CI cannot
// skip the browser tests silently.
//
// Each Page is a tab with its own viewport. Every console error, failed
// resource load, uncaught exception and request to another host than
// 127.0.0.1 (a CDN, a web font) of the page fails the test when the test
// ends. Pages never sleep: WaitReady polls the UI's
// document.body.dataset.ready flag with a deadline.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// Flags are the command-line flags the browser runs with, besides
// --user-data-dir (and --remote-debugging-pipe, chromedp's transport).
var Flags = []string{
	"headless",
	"no-sandbox",
	"disable-gpu",
	"no-first-run",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
}

// Timeouts; every wait in this package is bounded by one of them.
const (
	startTimeout  = 30 * time.Second // browser start, first tab
	actionTimeout = 20 * time.Second // one navigation, evaluation or input
	readyTimeout  = 15 * time.Second // the UI's ready flag
	pollEvery     = 25 * time.Millisecond
)

// Path returns the chromium binary to run: BATON_CHROMIUM, else
// /usr/bin/chromium, else chromium on PATH. It skips the test when there is
// none, or fails it when BATON_REQUIRE_BROWSER is set.
func Path(t testing.TB) string {
	t.Helper()
	p, err := locate(os.Getenv, DefaultPath)
	switch {
	case err == nil:
		return p
	case os.Getenv("BATON_CHROMIUM") != "":
		t.Fatalf("browsertest: %v", err)
	case os.Getenv("BATON_REQUIRE_BROWSER") != "":
		t.Fatalf("browsertest: %v, and BATON_REQUIRE_BROWSER is set (apt-get install chromium)", err)
	default:
		t.Skipf("browsertest: %v; install it (apt-get install chromium) or set BATON_CHROMIUM; set BATON_REQUIRE_BROWSER=1 to fail instead of skipping", err)
	}
	return ""
}

// locate finds the browser: the file named by BATON_CHROMIUM, else def,
// else chromium on PATH.
func locate(getenv func(string) string, def string) (string, error) {
	if p := getenv("BATON_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("BATON_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat(def); err == nil {
		return def, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found, nor chromium on PATH", def)
}

// Browser is a running chromium owned by one test.
type Browser struct {
	ctx       context.Context // the browser's first tab; parent of every Page
	args      []string        // what the browser was started with
	userData  string
	artifacts string
}

// Start launches chromium and stops it when the test ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Path(t)
	b := &Browser{userData: filepath.Join(t.TempDir(), "profile"), artifacts: os.Getenv("BATON_ARTIFACTS")}
	if b.artifacts == "" {
		b.artifacts = t.TempDir()
	} else if err := os.MkdirAll(b.artifacts, 0o755); err != nil {
		t.Fatalf("browsertest: BATON_ARTIFACTS: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(b.userData),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			killWithParent(cmd) // no browser outlives a crashed test binary
			b.args = slices.Clone(cmd.Args[1:])
		}),
	}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	stop := func() {
		// A graceful close first, bounded; then the contexts kill whatever is left
		// and wait for the process to exit.
		cctx, cancel := context.WithTimeout(bctx, 5*time.Second)
		chromedp.Cancel(cctx)
		cancel()
		bcancel()
		acancel()
	}
	// The first Do starts the browser and binds its life to bctx, so it
	// cannot take a context with a deadline: bound it from outside.
	if err := bounded(startTimeout, func() error { return chromedp.Do(bctx) }); err != nil {
		stop()
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	t.Cleanup(stop)
	b.ctx = bctx
	return b
}

// Args returns the arguments the browser was started with, without the
// program name. Debian's /usr/bin/chromium is a wrapper script that adds
// the flags of /etc/chromium.d before it runs the browser; see CommandLine.
func (b *Browser) Args() []string { return slices.Clone(b.args) }

// bounded runs f and returns its error, or an error once timeout passes; the
// caller then cancels what f waits on.
func bounded(timeout time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no answer within %s", timeout)
	}
}

// CommandLine returns the command line of the running browser process (from
// /proc), without the program name.
func (b *Browser) CommandLine() ([]string, error) {
	c := chromedp.FromContext(b.ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return nil, errors.New("browsertest: no browser process")
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c.Browser.Process().Pid))
	if err != nil {
		return nil, err
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	return args[1:], nil
}

// UserDataDir is the profile directory the browser was given.
func (b *Browser) UserDataDir() string { return b.userData }

// localScheme are the URL schemes that never reach a network.
var localScheme = map[string]bool{"data": true, "blob": true, "about": true, "chrome": true, "devtools": true}

// Page is one tab of the browser.
type Page struct {
	t   testing.TB
	b   *Browser
	ctx context.Context

	mu       sync.Mutex
	problems []string // console errors, uncaught exceptions, requests off 127.0.0.1
}

// NewPage opens a tab with a width x height viewport. It is closed, and the
// test fails on any console error, uncaught exception or request off
// 127.0.0.1 the page had, when the test ends.
func (b *Browser) NewPage(t testing.TB, width, height int64) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	p := &Page{t: t, b: b, ctx: ctx}
	// The first action on a context opens the tab and binds its life to the
	// context it runs with, so it gets no deadline of its own either.
	if err := bounded(startTimeout, func() error { return chromedp.Do(ctx, chromedp.EmulateViewport(width, height)) }); err != nil {
		cancel()
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	// Console and Events subscribe now; the readers drain them until the tab closes.
	messages := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	drained := make(chan struct{}, 2)
	go func() {
		defer func() { drained <- struct{}{} }()
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u, err := url.Parse(ev.Request.URL); err == nil && !localScheme[u.Scheme] && u.Hostname() != "127.0.0.1" {
				p.mu.Lock()
				p.problems = append(p.problems, "request to another host than 127.0.0.1: "+ev.Request.URL)
				p.mu.Unlock()
			}
		}
	}()
	go func() {
		defer func() { drained <- struct{}{} }()
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				where := m.URL
				if where != "" {
					where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
				}
				p.mu.Lock()
				p.problems = append(p.problems, m.String()+where)
				p.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-drained
		<-drained
	})
	t.Cleanup(func() { // runs first (LIFO), while the tab is still open
		for _, msg := range p.Problems() {
			t.Errorf("browser: %s", msg)
		}
	})
	return p
}

// Context is the tab's chromedp context, for actions this package has no
// helper for. Use it from one goroutine at a time.
func (p *Page) Context() context.Context { return p.ctx }

// Problems returns the console errors, uncaught exceptions and requests off
// 127.0.0.1 seen so far.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// TakeProblems returns what Problems returns and forgets it, for a test
// that provokes one on purpose.
func (p *Page) TakeProblems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := p.problems
	p.problems = nil
	return pr
}

func (p *Page) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Do runs actions in the tab, failing the test on error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := p.do(actions...); err != nil {
		p.t.Fatalf("browsertest: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// into T, failing the test on error.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("browsertest: evaluating %s: %v", expr, err)
	}
	return v
}

// Open navigates the tab to url (a new document) and waits until the UI
// says it is ready.
func (p *Page) Open(url string) {
	p.t.Helper()
	if err := p.do(chromedp.Navigate(url)); err != nil {
		p.t.Fatalf("browsertest: opening %s: %v", url, err)
	}
	p.WaitReady()
}

// WaitReady polls until document.body.dataset.ready is "true", failing the
// test after a deadline with what the page looked like.
func (p *Page) WaitReady() {
	p.t.Helper()
	if err := p.Until(`document.body && document.body.dataset.ready === "true"`, readyTimeout); err != nil {
		p.t.Fatalf("browsertest: the page never became ready: %v (location %s, body.dataset.ready=%q)%s",
			err, p.location(), p.readyFlag(), p.problemSuffix())
	}
}

// Act marks the current view stale (ready=false), runs actions that make
// the UI render again (a click, a key, a hash change), and waits until it
// is ready again. Without the mark a wait could see the previous view's
// "true".
func (p *Page) Act(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	steps := append([]chromedp.Action[chromedp.Void]{
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.ready = "false"`),
	}, actions...)
	p.Do(steps...)
	p.WaitReady()
}

// Until evaluates a boolean JavaScript expression every few milliseconds
// until it is true or timeout passes. Navigation in between is fine: each
// evaluation runs in the current document.
func (p *Page) Until(expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		cancel()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if p.ctx.Err() != nil {
			return p.ctx.Err()
		}
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("%s still false after %s (last error: %v)", expr, timeout, last)
			}
			return fmt.Errorf("%s still false after %s", expr, timeout)
		}
		time.Sleep(pollEvery)
	}
}

func (p *Page) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (p *Page) readyFlag() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`String(document.body && document.body.dataset.ready)`))
	return v
}

func (p *Page) problemSuffix() string {
	if pr := p.Problems(); len(pr) > 0 {
		return "\nconsole:\n  " + strings.Join(pr, "\n  ")
	}
	return ""
}

// Screenshot captures the viewport as PNG, saves it in the artifact
// directory as <test name>-<name>.png and returns the bytes.
func (p *Page) Screenshot(name string) []byte {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	file := filepath.Join(p.b.artifacts, artifactName(p.t.Name()+"-"+name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Fatalf("browsertest: saving screenshot: %v", err)
	}
	p.t.Logf("screenshot: %s", file)
	return png
}

// Download runs trigger, which must make the page download one file (an
// <a download> click, say), and returns the file's suggested name and its
// content once the browser has saved it.
func (p *Page) Download(trigger chromedp.Action[chromedp.Void]) (string, []byte) {
	p.t.Helper()
	dir := p.t.TempDir()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	begins := chromedp.Events(ctx, browser.DownloadWillBegin)
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	allow := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		events := true
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
		})
		return err
	})
	if err := chromedp.Do(ctx, allow, trigger); err != nil {
		p.t.Fatalf("browsertest: starting a download: %v", err)
	}
	var begin browser.EventDownloadWillBegin
	for ev, err := range begins {
		if err != nil {
			p.t.Fatalf("browsertest: no download began: %v%s", err, p.problemSuffix())
		}
		begin = ev
		break
	}
	for ev, err := range progress {
		if err != nil {
			p.t.Fatalf("browsertest: download of %s did not finish: %v", begin.SuggestedFilename, err)
		}
		if ev.GUID != begin.GUID {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			p.t.Fatalf("browsertest: download of %s was canceled", begin.SuggestedFilename)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, begin.GUID)) // allowAndName saves it under its GUID
	if err != nil {
		p.t.Fatalf("browsertest: reading the download %s: %v", begin.SuggestedFilename, err)
	}
	return begin.SuggestedFilename, data
}

// ArtifactDir is where screenshots go: $BATON_ARTIFACTS (created if
// missing), else a temporary directory of the test that started the browser.
func (b *Browser) ArtifactDir() string { return b.artifacts }

// artifactName turns a test name into a file name.
func artifactName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
