package registry

import (
	"context"

	"github.com/batonhq/baton/compat"
)

// DefaultConfig is the registry's configuration when nothing is set:
// Confluent's default BACKWARD, with STRICT open-model handling.
var DefaultConfig = Config{Mode: compat.Backward, Policy: compat.Strict}

// GetConfig returns the subject's config ("" = global, falling back to the
// default). A subject without its own config answers 40408 unless
// defaultToGlobal.
func (s *Registrar) GetConfig(ctx context.Context, subject string, defaultToGlobal bool) (Config, error) {
	if subject != "" {
		cfg, ok, err := s.store.Config(ctx, subject)
		if err != nil {
			return Config{}, s.fail(err)
		}
		if ok && cfg.Mode != "" {
			return cfg, nil
		}
		if !defaultToGlobal {
			return Config{}, ErrSubjectConfigNotFound(subject)
		}
	}
	cfg, ok, err := s.store.Config(ctx, "")
	if err != nil {
		return Config{}, s.fail(err)
	}
	if !ok || cfg.Mode == "" {
		return DefaultConfig, nil
	}
	return cfg, nil
}

// SetConfig validates and stores a subject's (or the global) config.
func (s *Registrar) SetConfig(ctx context.Context, subject string, cfg Config) (Config, error) {
	m, err := compat.ParseMode(string(cfg.Mode))
	if err != nil || cfg.Mode == "" {
		return Config{}, Errorf(KindInvalid, CodeInvalidCompatibility, "Invalid compatibility level %s: want one of %s", Quote(string(cfg.Mode)), compat.ModeNames())
	}
	if cfg.Policy != compat.Strict && cfg.Policy != compat.Lenient {
		return Config{}, Errorf(KindInvalid, CodeInvalidCompatibility, "Invalid compatibility policy %d: want strict or lenient", cfg.Policy)
	}
	cfg.Mode = m
	if subject != "" {
		if err := checkSubject(subject); err != nil {
			return Config{}, err
		}
	}
	if err := s.store.SetConfig(ctx, subject, cfg); err != nil {
		return Config{}, s.fail(err)
	}
	s.log.Info("config set", "subject", subject, "mode", string(cfg.Mode), "policy", cfg.Policy.String())
	return cfg, nil
}

// DeleteConfig removes a subject's (or the global) config and returns what
// was removed (for the global config, the default if none was set).
func (s *Registrar) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	old, err := s.GetConfig(ctx, subject, false)
	if err != nil {
		return Config{}, err
	}
	if err := s.store.DeleteConfig(ctx, subject); err != nil {
		return Config{}, s.fail(err)
	}
	return old, nil
}
