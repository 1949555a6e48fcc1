package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/batonhq/baton/registry"
)

var (
	//go:embed put_service_version.lua
	putServiceVersionLua    string
	putServiceVersionScript = redis.NewScript(putServiceVersionLua)
	//go:embed put_deployment.lua
	putDeploymentLua    string
	putDeploymentScript = redis.NewScript(putDeploymentLua)
	//go:embed delete_deployments.lua
	deleteDeploymentsLua    string
	deleteDeploymentsScript = redis.NewScript(deleteDeploymentsLua)
)

func decodeServiceVersion(raw string) (registry.ServiceVersion, error) {
	var sv registry.ServiceVersion
	if err := json.Unmarshal([]byte(raw), &sv); err != nil {
		return sv, internalErr("read service version", fmt.Errorf("malformed record: %v", err))
	}
	return sv, nil
}

// PutServiceVersion implements registry.Store with put_service_version.lua.
func (st *Store) PutServiceVersion(ctx context.Context, sv registry.ServiceVersion, replace bool) (registry.ServiceVersion, bool, error) {
	raw, err := json.Marshal(sv)
	if err != nil {
		return sv, false, internalErr("put service version", err)
	}
	rep := "0"
	if replace {
		rep = "1"
	}
	res, err := putServiceVersionScript.Run(ctx, st.rdb, []string{st.k.serviceVersions(sv.Service), st.k.versionRewrites()},
		sv.Version, string(raw), rep).Slice()
	if err != nil {
		return sv, false, st.fail("put service version", err)
	}
	if len(res) != 2 {
		return sv, false, internalErr("put service version", fmt.Errorf("unexpected reply %v", res))
	}
	created, _ := res[0].(int64)
	body, _ := res[1].(string)
	out, err := decodeServiceVersion(body)
	return out, created == 1, err
}

// GetServiceVersion implements registry.Store.
func (st *Store) GetServiceVersion(ctx context.Context, service, version string) (registry.ServiceVersion, error) {
	raw, err := st.rdb.HGet(ctx, st.k.serviceVersions(service), version).Result()
	if err == redis.Nil {
		return registry.ServiceVersion{}, registry.ErrServiceVersionNotFound(service, version)
	}
	if err != nil {
		return registry.ServiceVersion{}, st.fail("get service version", err)
	}
	return decodeServiceVersion(raw)
}

// ServiceVersions implements registry.Store (one HGETALL).
func (st *Store) ServiceVersions(ctx context.Context, service string) ([]registry.ServiceVersion, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.serviceVersions(service)).Result()
	if err != nil {
		return nil, st.fail("list service versions", err)
	}
	out := make([]registry.ServiceVersion, 0, len(h))
	for _, raw := range h {
		sv, err := decodeServiceVersion(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// ServiceVersionRewrites implements registry.Store.
func (st *Store) ServiceVersionRewrites(ctx context.Context) (int64, error) {
	n, err := st.rdb.Get(ctx, st.k.versionRewrites()).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, st.fail("read service version rewrites", err)
	}
	return n, nil
}

// PutEnvironment implements registry.Store (one HSETNX).
func (st *Store) PutEnvironment(ctx context.Context, e registry.Environment) (bool, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return false, internalErr("put environment", err)
	}
	ok, err := st.rdb.HSetNX(ctx, st.k.environments(), e.Name, string(raw)).Result()
	if err != nil {
		return false, st.fail("put environment", err)
	}
	return ok, nil
}

// GetEnvironment implements registry.Store.
func (st *Store) GetEnvironment(ctx context.Context, name string) (registry.Environment, error) {
	raw, err := st.rdb.HGet(ctx, st.k.environments(), name).Result()
	if err == redis.Nil {
		return registry.Environment{}, registry.ErrEnvironmentNotFound(name)
	}
	if err != nil {
		return registry.Environment{}, st.fail("get environment", err)
	}
	var e registry.Environment
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return e, internalErr("get environment", err)
	}
	return e, nil
}

// Environments implements registry.Store.
func (st *Store) Environments(ctx context.Context) ([]registry.Environment, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.environments()).Result()
	if err != nil {
		return nil, st.fail("list environments", err)
	}
	out := make([]registry.Environment, 0, len(h))
	for name, raw := range h {
		var e registry.Environment
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, internalErr("list environments", fmt.Errorf("environment %q: %v", name, err))
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// PutDeployment implements registry.Store with put_deployment.lua.
func (st *Store) PutDeployment(ctx context.Context, d registry.Deployment, keep bool) error {
	k := "0"
	if keep {
		k = "1"
	}
	n, err := putDeploymentScript.Run(ctx, st.rdb, []string{st.k.environments(), st.k.deployments(d.Env), st.k.deploymentsGen(d.Env)},
		d.Env, d.Service, d.Version, strconv.FormatInt(d.DeployedAt.UnixNano(), 10), k).Int()
	if err != nil {
		return st.fail("record deployment", err)
	}
	if n == 0 {
		return registry.ErrEnvironmentNotFound(d.Env)
	}
	return nil
}

// parseDeployment reads field "<service>\x00<version>" -> unix ns.
func parseDeployment(env, field, val string) (registry.Deployment, error) {
	service, version, ok := strings.Cut(field, "\x00")
	ns, err := strconv.ParseInt(val, 10, 64)
	if !ok || err != nil {
		return registry.Deployment{}, internalErr("read deployments", fmt.Errorf("malformed deployment %q -> %q in %s", field, val, env))
	}
	return registry.Deployment{Env: env, Service: service, Version: version, DeployedAt: time.Unix(0, ns).UTC()}, nil
}

func sortDeployments(ds []registry.Deployment) {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Service != ds[j].Service {
			return ds[i].Service < ds[j].Service
		}
		return ds[i].Version < ds[j].Version
	})
}

// DeleteDeployments implements registry.Store with delete_deployments.lua.
func (st *Store) DeleteDeployments(ctx context.Context, env, service, version string) ([]registry.Deployment, error) {
	res, err := deleteDeploymentsScript.Run(ctx, st.rdb, []string{st.k.environments(), st.k.deployments(env), st.k.deploymentsGen(env)}, env, service, version).Slice()
	if err == redis.Nil {
		return nil, registry.ErrEnvironmentNotFound(env)
	}
	if err != nil {
		return nil, st.fail("record undeployment", err)
	}
	var out []registry.Deployment
	for i := 0; i+1 < len(res); i += 2 {
		f, _ := res[i].(string)
		v, _ := res[i+1].(string)
		d, err := parseDeployment(env, f, v)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, registry.ErrDeploymentNotFound(env, service, version)
	}
	sortDeployments(out)
	return out, nil
}

// Deployments implements registry.Store (environment and deployments in
// one pipeline of the same slot).
func (st *Store) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	var exists *redis.BoolCmd
	var all *redis.MapStringStringCmd
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.HExists(ctx, st.k.environments(), env)
		all = p.HGetAll(ctx, st.k.deployments(env))
		return nil
	})
	if err != nil {
		return nil, st.fail("list deployments", err)
	}
	if !exists.Val() {
		return nil, registry.ErrEnvironmentNotFound(env)
	}
	out := make([]registry.Deployment, 0, len(all.Val()))
	for f, v := range all.Val() {
		d, err := parseDeployment(env, f, v)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	sortDeployments(out)
	return out, nil
}

// DeploymentsGeneration implements registry.Store.
func (st *Store) DeploymentsGeneration(ctx context.Context, env string) (int64, error) {
	n, err := st.rdb.Get(ctx, st.k.deploymentsGen(env)).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, st.fail("read deployments generation", err)
	}
	return n, nil
}
