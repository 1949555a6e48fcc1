package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/report"
)

// Deploy safety (issue #16): environments, deployments, can-i-deploy and
// plan. Every command talks to a registry (--registry, BATON_REGISTRY).

// gitVersion is the default of publish --version: the short HEAD of the
// git work tree holding dir; ok is false outside one (or without git).
func gitVersion(ctx context.Context, dir string) (string, bool) {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	v := strings.TrimSpace(string(out))
	return v, err == nil && v != ""
}

// recordVersion is the last step of publish: the service's snapshot as
// version (the subject versions just published named explicitly, since an
// identical schema may be an older version than the latest).
func recordVersion(ctx context.Context, e env, c registry.Deployer, manifestFile, service, version, branch string, published map[string]int, force bool) (string, error) {
	if version == "" {
		v, ok := gitVersion(ctx, filepath.Dir(manifestFile))
		if !ok {
			fmt.Fprintf(e.stderr, "baton: note: %s is not in a git work tree, so no service version was recorded: give --version V to record one (can-i-deploy needs it)\n", manifestFile)
			return "", nil
		}
		version = v
	}
	if _, err := c.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: service, Version: version, Branch: branch, Subjects: published, Force: force}); err != nil {
		return "", fmt.Errorf("%s: record version %s of %s: %w", manifestFile, version, service, err)
	}
	return version, nil
}

// cmdEnv is `baton env create NAME` and `baton env list`.
func cmdEnv(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "env", "create NAME | list [--registry URL] [--format text|json]")
	rf := addRegistryFlags(fs, "text, json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 2 && pos[0] == "create":
		env, err := c.CreateEnvironment(ctx, pos[1])
		if err != nil {
			return err
		}
		if *rf.format == "json" {
			return writeIndentedJSON(e.stdout, env)
		}
		fmt.Fprintf(e.stdout, "environment %s\n", env.Name)
		return nil
	case len(pos) == 1 && pos[0] == "list":
		envs, err := c.ListEnvironments(ctx)
		if err != nil {
			return err
		}
		if *rf.format == "json" {
			return writeIndentedJSON(e.stdout, envs)
		}
		for _, env := range envs {
			fmt.Fprintln(e.stdout, env.Name)
		}
		return nil
	}
	return usagef("env needs create NAME or list")
}

// cmdRecordDeployment records that a service version runs in an environment.
func cmdRecordDeployment(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "record-deployment", "--service S --version V --env E [--keep] [--registry URL] [--format text|json]")
	rf := addRegistryFlags(fs, "text, json")
	service := fs.String("service", "", "the service deployed")
	version := fs.String("version", "", "its version (as recorded by publish --version)")
	envName := fs.String("env", "", "the environment")
	keep := fs.Bool("keep", false, "keep the service's other deployed versions (rolling deploys, several live versions)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *service == "" || *version == "" || *envName == "" {
		return usagef("record-deployment needs --service, --version and --env (and no arguments)")
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	d, err := c.RecordDeployment(ctx, *envName, registry.ServiceRef{Service: *service, Version: *version}, *keep)
	if err != nil {
		return err
	}
	if *rf.format == "json" {
		return writeIndentedJSON(e.stdout, d)
	}
	fmt.Fprintf(e.stdout, "%s@%s deployed in %s\n", d.Service, d.Version, d.Env)
	return nil
}

// cmdRecordUndeployment records that a service (version) no longer runs.
func cmdRecordUndeployment(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "record-undeployment", "--service S --env E [--version V] [--registry URL] [--format text|json]")
	rf := addRegistryFlags(fs, "text, json")
	service := fs.String("service", "", "the service undeployed")
	version := fs.String("version", "", "only this version (default: every version of the service)")
	envName := fs.String("env", "", "the environment")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *service == "" || *envName == "" {
		return usagef("record-undeployment needs --service and --env (and no arguments)")
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	ds, err := c.RecordUndeployment(ctx, *envName, *service, *version)
	if err != nil {
		return err
	}
	if *rf.format == "json" {
		return writeIndentedJSON(e.stdout, ds)
	}
	for _, d := range ds {
		fmt.Fprintf(e.stdout, "%s@%s undeployed from %s\n", d.Service, d.Version, d.Env)
	}
	return nil
}

// refsFlag collects --service S --version V pairs in order: --service
// starts a pair, --version completes the last one.
type refsFlag struct {
	refs []registry.ServiceRef
	err  error
}

func (f *refsFlag) service() *refValue { return &refValue{f, false} }
func (f *refsFlag) version() *refValue { return &refValue{f, true} }

type refValue struct {
	f       *refsFlag
	version bool
}

func (v *refValue) String() string { return "" }

func (v *refValue) Set(s string) error {
	f := v.f
	if !v.version {
		f.refs = append(f.refs, registry.ServiceRef{Service: s})
		return nil
	}
	if len(f.refs) == 0 || f.refs[len(f.refs)-1].Version != "" {
		return errors.New("--version must follow its --service")
	}
	f.refs[len(f.refs)-1].Version = s
	return nil
}

// deployFlags parses the flags can-i-deploy and plan share.
func deployFlags(e env, name string, args []string, formats []string) (registryFlags, []registry.ServiceRef, string, error) {
	fs := newFlagSet(e, name, "--service S --version V [--service S2 --version V2 ...] --to E [--registry URL] [--format "+strings.Join(formats, "|")+"]")
	rf := addRegistryFlags(fs, strings.Join(formats, ", "))
	var refs refsFlag
	fs.Var(refs.service(), "service", "a service to deploy (repeat with --version for several)")
	fs.Var(refs.version(), "version", "the version of the --service before it")
	to := fs.String("to", "", "the environment")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return rf, nil, "", err
	}
	if len(pos) > 0 || *to == "" || len(refs.refs) == 0 {
		return rf, nil, "", usagef("%s needs --service S --version V (one pair or more) and --to E", name)
	}
	for _, r := range refs.refs {
		if r.Version == "" {
			return rf, nil, "", usagef("--service %s has no --version", r.Service)
		}
	}
	return rf, refs.refs, *to, nil
}

// cmdCanIDeploy asks whether the named versions can be deployed to an
// environment now: exit 0 when every check holds, 1 when one breaks, 2 for
// usage errors or unknown services, versions or environments.
func cmdCanIDeploy(ctx context.Context, e env, args []string) error {
	rf, refs, to, err := deployFlags(e, "can-i-deploy", args, report.Formats)
	if err != nil {
		return err
	}
	c, err := rf.client(e, report.Formats...)
	if err != nil {
		return err
	}
	rep, err := c.CanIDeploy(ctx, to, refs)
	if err != nil {
		return err
	}
	if *rf.format == "json" {
		if err := writeIndentedJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		if *rf.format == "text" {
			fmt.Fprintln(e.stdout, deployVerdict(rep))
		}
		res := deployResult(rep)
		res.Mode = report.CombinedMode(res.Items)
		if err := report.Render(e.stdout, *rf.format, res, report.Options{Color: useColor(e, *rf.format)}); err != nil {
			return err
		}
	}
	if !rep.Deployable {
		return errBreaking
	}
	return nil
}

func deployVerdict(rep registry.DeployReport) string {
	names := make([]string, len(rep.Services))
	for i, r := range rep.Services {
		names[i] = r.String()
	}
	if rep.Deployable {
		return fmt.Sprintf("%s can be deployed to %s", strings.Join(names, ", "), rep.Environment)
	}
	return fmt.Sprintf("%s cannot be deployed to %s", strings.Join(names, ", "), rep.Environment)
}

// deployResult is a can-i-deploy answer as a report for the shared
// renderers: one item per check, named "subject → counterpart@version
// (service@version role)".
func deployResult(rep registry.DeployReport) report.Result {
	res := report.Result{Command: "can-i-deploy", Items: []report.Item{}}
	for _, it := range rep.Items {
		counter := "nothing deployed"
		if it.Counterpart != "" {
			counter = it.Counterpart + "@" + it.CounterpartVersion
		}
		item := report.Item{Subject: it.Subject, Service: counter, Role: fmt.Sprintf("%s@%s %s", it.Service, it.Version, it.Role),
			Mode: string(it.Role.FromContract()), Findings: it.Changes, Note: it.Note}
		if it.Role.Owns() {
			item.Mode = string(registry.Consumes.FromMessage())
		}
		res.Items = append(res.Items, item)
	}
	return res
}

// cmdPlan orders single-service deploys so every intermediate state is
// deployable; exit 1 when no order exists (naming the cycle and witness).
func cmdPlan(ctx context.Context, e env, args []string) error {
	rf, refs, to, err := deployFlags(e, "plan", args, []string{"text", "json"})
	if err != nil {
		return err
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	plan, err := c.Plan(ctx, to, refs)
	if err != nil {
		return err
	}
	if *rf.format == "json" {
		if err := writeIndentedJSON(e.stdout, plan); err != nil {
			return err
		}
	} else if plan.Possible {
		fmt.Fprintf(e.stdout, "plan for %s: %d steps, each leaving %s deployable\n", to, len(plan.Steps), to)
		for i, s := range plan.Steps {
			fmt.Fprintf(e.stdout, "  %d. baton record-deployment --service %s --version %s --env %s\n", i+1, s.Service, s.Version, to)
		}
	} else {
		fmt.Fprintf(e.stdout, "no safe order for %s: %s\n", to, plan.Blocked.Message)
		for _, w := range plan.Blocked.Witnesses {
			fmt.Fprintf(e.stdout, "  %s: %s@%s (%s) breaks %s@%s\n", w.Subject, w.Service, w.Version, w.Role, w.Counterpart, w.CounterpartVersion)
			printFindings(e.stdout, "    ", w.Changes)
		}
	}
	if !plan.Possible {
		return errBreaking
	}
	return nil
}
