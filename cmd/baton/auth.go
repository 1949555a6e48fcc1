package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
)

// cmdToken manages token file entries (`baton serve --auth FILE`):
//
//	baton token hash   reads a secret on stdin, prints its hash line
//	baton token new    makes a random secret, prints it and its hash line
func cmdToken(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "token", "hash < secret | new")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("token needs one subcommand: hash (secret on stdin) or new")
	}
	switch pos[0] {
	case "hash":
		secret, err := readSecret(e.stdin)
		if err != nil {
			return err
		}
		h, err := auth.HashSecret(secret)
		if err != nil {
			return usageError{err.Error()}
		}
		fmt.Fprintf(e.stdout, "hash: %s\n", h)
		return nil
	case "new":
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("no randomness: %w", err)
		}
		secret := hex.EncodeToString(b)
		h, err := auth.HashSecret(secret)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "secret: %s\nhash: %s\n", secret, h)
		fmt.Fprintln(e.stderr, "baton: put the hash line in the token file; give the secret to the client (it is not stored anywhere)")
		return nil
	}
	return usagef("unknown token subcommand %q: use hash or new", pos[0])
}

// maxSecretLine bounds what token hash reads.
const maxSecretLine = 4096

// readSecret reads the first line of r without its line ending.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxSecretLine+1), maxSecretLine+1).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the secret from stdin: %w", err)
	}
	if len(line) > maxSecretLine {
		return "", usagef("the secret on stdin is longer than %d bytes", maxSecretLine)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no secret on stdin: echo -n \"$SECRET\" | baton token hash")
	}
	return line, nil
}

// loadTokens reads --auth FILE; "" means auth is off (nil). Problems in
// the file are usage errors (exit 2) naming file:line.
func loadTokens(path string) ([]auth.Token, error) {
	if path == "" {
		return nil, nil
	}
	toks, err := auth.LoadFile(path)
	if err != nil {
		return nil, usageError{"--auth: " + err.Error()}
	}
	return toks, nil
}

// authorizer turns the tokens of --auth into the server's Authorizer
// (nil: auth off), with ownership read from svc.
func authorizer(toks []auth.Token, svc *registry.Registrar) *auth.Authorizer {
	if toks == nil {
		return nil
	}
	return auth.New(toks, svc)
}

// authHint adds what to do about a 401 from the registry.
func authHint(err error) error {
	if errors.Is(err, registry.ErrUnauthorized) {
		return fmt.Errorf("%w (give the registry's token with --token or BATON_TOKEN, or user:secret@ in the registry URL)", err)
	}
	return err
}
