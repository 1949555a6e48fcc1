package browsertest

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill the browser when the test binary
// dies. chromedp does the same, but only when no ModifyCmdFunc is given.
func killWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
