// Command baton is the CLI and server of the Baton schema registry.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// env carries what a subcommand may touch of the outside world, so tests
// can run the CLI in-process.
type env struct {
	getenv     func(string) string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	isTerminal func(io.Writer) bool // whether output is a terminal (colour)
}

// command runs one subcommand. It returns errBreaking after printing its
// findings, a usageError for bad invocations, or any other error for
// unreadable input or an unreachable registry.
type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands is the whole CLI surface.
var commands = map[string]command{
	"asyncapi":            {"export a registered service as an AsyncAPI document", cmdAsyncAPI},
	"can-i-deploy":        {"can these service versions be deployed to an environment now?", cmdCanIDeploy},
	"check":               {"dry run of publish: compatibility and impact of a baton.yaml", cmdCheck},
	"diff":                {"compare two schema files and report breaking changes", cmdDiff},
	"env":                 {"create or list environments (dev, staging, prod, ...)", cmdEnv},
	"graph":               {"print the services graph (text, json, dot, mermaid)", cmdGraph},
	"impact":              {"which registered services a new schema version breaks", cmdImpact},
	"import":              {"take over a Confluent-compatible registry, keeping its schema ids", cmdImport},
	"plan":                {"order single-service deploys so every step stays deployable", cmdPlan},
	"publish":             {"register a baton.yaml: its schemas, service and contracts", cmdPublish},
	"record-deployment":   {"record that a service version runs in an environment", cmdRecordDeployment},
	"record-undeployment": {"record that a service (version) no longer runs in an environment", cmdRecordUndeployment},
	"serve":               {"run the registry server", cmdServe},
	"token":               {"make or hash a secret for the --auth token file", cmdToken},
	"validate":            {"validate JSON documents against a schema", cmdValidate},
}

// errBreaking means findings were printed; the process exits 1.
var errBreaking = errors.New("breaking changes found")

// usageError marks invocation mistakes; like every other failure it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runIn(ctx, env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, isTerminal: isTerminal}, args)
}

// runIn is run in the environment e.
func runIn(ctx context.Context, e env, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	stderr := e.stderr
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage())
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "baton: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errBreaking):
		return 1
	case errors.Is(err, errHelp):
		return 0
	default:
		fmt.Fprintln(stderr, "baton:", authHint(err))
		return 2
	}
}

func usage() string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: baton <command> [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-20s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nexit codes: 0 ok, 1 breaking change found, 2 usage error, invalid input or registry unreachable\n")
	return b.String()
}
