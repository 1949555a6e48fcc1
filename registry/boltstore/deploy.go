package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"sort"
	"time"

	"github.com/batonhq/baton/registry"
	bolt "go.etcd.io/bbolt"
)

// Deploy records (registry.DeployStore), in buckets created on first use so
// data files from before them need no migration:
//
//	svcversions  service | 0x00 | version -> JSON registry.ServiceVersion
//	envs         name -> JSON registry.Environment
//	deployments  env | 0x00 | service | 0x00 | version -> deployedAt (unix ns, 8 bytes)
//	deploygen    env -> uint64, moved on by every change of env's deployments
//	meta "svcversion_rewrites" -> uint64
//
// Deployments carry no JSON: can-i-deploy reads every deployment of an
// environment on each request, and decoding 10,000 keys is cheap where
// 10,000 JSON documents are not. Names and versions never contain 0x00
// (registry.ValidName, registry.ValidVersion).
var (
	bSvcVersions = []byte("svcversions")
	bEnvs        = []byte("envs")
	bDeployments = []byte("deployments")
	bDeployGen   = []byte("deploygen")
	kRewrites    = []byte("svcversion_rewrites")
)

func join0(parts ...string) []byte {
	var k []byte
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

// PutServiceVersion implements registry.Store.
func (s *Store) PutServiceVersion(ctx context.Context, sv registry.ServiceVersion, replace bool) (registry.ServiceVersion, bool, error) {
	raw, err := json.Marshal(sv)
	if err != nil {
		return registry.ServiceVersion{}, false, err
	}
	out, created := sv, true
	err = s.update(ctx, "put service version", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bSvcVersions)
		if err != nil {
			return err
		}
		key := join0(sv.Service, sv.Version)
		if old := b.Get(key); old != nil {
			if !replace {
				out, created = registry.ServiceVersion{}, false
				return decodeServiceVersion(old, &out)
			}
			m := tx.Bucket(bMeta)
			n := uint64(0)
			if v := m.Get(kRewrites); len(v) == 8 {
				n = binary.BigEndian.Uint64(v)
			}
			if err := m.Put(kRewrites, binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
				return err
			}
		}
		return b.Put(key, raw)
	})
	return out, created, err
}

func decodeServiceVersion(raw []byte, sv *registry.ServiceVersion) error {
	if err := json.Unmarshal(raw, sv); err != nil {
		return corrupt("service version: %v", err)
	}
	return nil
}

// GetServiceVersion implements registry.Store.
func (s *Store) GetServiceVersion(ctx context.Context, service, version string) (registry.ServiceVersion, error) {
	var out registry.ServiceVersion
	err := s.view("get service version", func(tx *bolt.Tx) error {
		var raw []byte
		if b := tx.Bucket(bSvcVersions); b != nil {
			raw = b.Get(join0(service, version))
		}
		if raw == nil {
			return registry.ErrServiceVersionNotFound(service, version)
		}
		return decodeServiceVersion(raw, &out)
	})
	return out, err
}

// ServiceVersions implements registry.Store with a prefix scan.
func (s *Store) ServiceVersions(ctx context.Context, service string) ([]registry.ServiceVersion, error) {
	out := []registry.ServiceVersion{}
	err := s.view("list service versions", func(tx *bolt.Tx) error {
		b := tx.Bucket(bSvcVersions)
		if b == nil {
			return nil
		}
		prefix := append([]byte(service), 0)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var sv registry.ServiceVersion
			if err := decodeServiceVersion(v, &sv); err != nil {
				return err
			}
			out = append(out, sv)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].Version < out[j].Version
	})
	return out, err
}

// ServiceVersionRewrites implements registry.Store.
func (s *Store) ServiceVersionRewrites(ctx context.Context) (int64, error) {
	var n int64
	err := s.view("read service version rewrites", func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kRewrites); len(v) == 8 {
			n = int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return n, err
}

// PutEnvironment implements registry.Store.
func (s *Store) PutEnvironment(ctx context.Context, e registry.Environment) (bool, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return false, err
	}
	created := false
	err = s.update(ctx, "put environment", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bEnvs)
		if err != nil {
			return err
		}
		if created = b.Get([]byte(e.Name)) == nil; !created {
			return nil
		}
		return b.Put([]byte(e.Name), raw)
	})
	return created, err
}

func getEnv(tx *bolt.Tx, name string) (registry.Environment, error) {
	var raw []byte
	if b := tx.Bucket(bEnvs); b != nil {
		raw = b.Get([]byte(name))
	}
	if raw == nil {
		return registry.Environment{}, registry.ErrEnvironmentNotFound(name)
	}
	var e registry.Environment
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, corrupt("environment %q: %v", name, err)
	}
	return e, nil
}

// GetEnvironment implements registry.Store.
func (s *Store) GetEnvironment(ctx context.Context, name string) (registry.Environment, error) {
	var out registry.Environment
	err := s.view("get environment", func(tx *bolt.Tx) (err error) {
		out, err = getEnv(tx, name)
		return err
	})
	return out, err
}

// Environments implements registry.Store (bbolt keys are sorted).
func (s *Store) Environments(ctx context.Context) ([]registry.Environment, error) {
	out := []registry.Environment{}
	err := s.view("list environments", func(tx *bolt.Tx) error {
		b := tx.Bucket(bEnvs)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e registry.Environment
			if err := json.Unmarshal(v, &e); err != nil {
				return corrupt("environment %q: %v", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// scanDeployments calls fn for each deployment of env (of service, unless
// ""), in key order: service, then version.
func scanDeployments(b *bolt.Bucket, env, service string, fn func(k []byte, d registry.Deployment) error) error {
	if b == nil {
		return nil
	}
	prefix := append([]byte(env), 0)
	if service != "" {
		prefix = append(append(prefix, service...), 0)
	}
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(env)+1:]
		i := bytes.IndexByte(rest, 0)
		if i < 0 || len(v) != 8 {
			return corrupt("deployment %q", k)
		}
		d := registry.Deployment{Env: env, Service: string(rest[:i]), Version: string(rest[i+1:]),
			DeployedAt: time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()}
		if err := fn(k, d); err != nil {
			return err
		}
	}
	return nil
}

// PutDeployment implements registry.Store: the replaced deployments go in
// the same transaction.
func (s *Store) PutDeployment(ctx context.Context, d registry.Deployment, keep bool) error {
	return s.update(ctx, "record deployment", func(tx *bolt.Tx) error {
		if _, err := getEnv(tx, d.Env); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bDeployments)
		if err != nil {
			return err
		}
		if !keep {
			var old [][]byte
			if err := scanDeployments(b, d.Env, d.Service, func(k []byte, _ registry.Deployment) error {
				old = append(old, bytes.Clone(k))
				return nil
			}); err != nil {
				return err
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		if err := b.Put(join0(d.Env, d.Service, d.Version), binary.BigEndian.AppendUint64(nil, uint64(d.DeployedAt.UnixNano()))); err != nil {
			return err
		}
		return bumpDeployGen(tx, d.Env)
	})
}

// bumpDeployGen moves env's generation on, in the transaction of the change.
func bumpDeployGen(tx *bolt.Tx, env string) error {
	b, err := tx.CreateBucketIfNotExists(bDeployGen)
	if err != nil {
		return err
	}
	n := uint64(0)
	if v := b.Get([]byte(env)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return b.Put([]byte(env), binary.BigEndian.AppendUint64(nil, n+1))
}

// DeploymentsGeneration implements registry.Store.
func (s *Store) DeploymentsGeneration(ctx context.Context, env string) (int64, error) {
	var n int64
	err := s.view("read deployments generation", func(tx *bolt.Tx) error {
		if b := tx.Bucket(bDeployGen); b != nil {
			if v := b.Get([]byte(env)); len(v) == 8 {
				n = int64(binary.BigEndian.Uint64(v))
			}
		}
		return nil
	})
	return n, err
}

// DeleteDeployments implements registry.Store.
func (s *Store) DeleteDeployments(ctx context.Context, env, service, version string) ([]registry.Deployment, error) {
	var out []registry.Deployment
	err := s.update(ctx, "record undeployment", func(tx *bolt.Tx) error {
		out = nil
		if _, err := getEnv(tx, env); err != nil {
			return err
		}
		b := tx.Bucket(bDeployments)
		var old [][]byte
		if err := scanDeployments(b, env, service, func(k []byte, d registry.Deployment) error {
			if version == "" || d.Version == version {
				old = append(old, bytes.Clone(k))
				out = append(out, d)
			}
			return nil
		}); err != nil {
			return err
		}
		if len(out) == 0 {
			return registry.ErrDeploymentNotFound(env, service, version)
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return bumpDeployGen(tx, env)
	})
	return out, err
}

// Deployments implements registry.Store.
func (s *Store) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	out := []registry.Deployment{}
	err := s.view("list deployments", func(tx *bolt.Tx) error {
		if _, err := getEnv(tx, env); err != nil {
			return err
		}
		return scanDeployments(tx.Bucket(bDeployments), env, "", func(_ []byte, d registry.Deployment) error {
			out = append(out, d)
			return nil
		})
	})
	return out, err
}
