//go:build !linux

package browsertest

import "os/exec"

// killWithParent has no portable equivalent outside Linux; Start's
// t.Cleanup stops the browser.
func killWithParent(*exec.Cmd) {}
