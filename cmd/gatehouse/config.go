package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/betterauth"
)

// config is the checked configuration of gatehouse serve.
type config struct {
	verifier    betterauth.Config
	database    database
	addr        string
	corsOrigins []string
	logLevel    slog.Level
	logFormat   string // "text" or "json"
}

// database says which store to open.
type database struct {
	engine string // "sqlite" or "postgres"
	path   string // the SQLite file
	url    string // the PostgreSQL URL, which may hold a password
}

// settingError is a setting that stops startup. Its text is one line that
// names the setting and never shows a secret.
type settingError struct {
	env string
	msg string
}

func (e *settingError) Error() string {
	if e.env == "" {
		return e.msg
	}
	return e.env + ": " + e.msg
}

func invalid(env, format string, args ...any) error {
	return &settingError{env: env, msg: fmt.Sprintf(format, args...)}
}

// loadConfig reads the flags of gatehouse serve and, for the settings
// without a flag, the environment through lookupEnv; an empty variable
// counts as unset. It returns flag.ErrHelp when help was asked for, and
// otherwise an error of one line that names the setting at fault.
func loadConfig(args []string, lookupEnv func(string) (string, bool)) (config, error) {
	values, err := readSettings(args, lookupEnv)
	if err != nil {
		return config{}, err
	}
	l := loader{values: values}
	cfg := config{
		verifier:    l.verifierConfig(),
		database:    l.database(),
		addr:        l.addr(),
		corsOrigins: l.origins(),
		logLevel:    l.logLevel(),
		logFormat:   l.oneOf(envLogFormat, "text", "text", "json"),
	}
	if l.err != nil {
		return config{}, l.err
	}
	return cfg, nil
}

// readSettings returns the value of every setting given, by variable name.
func readSettings(args []string, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := map[string]*flagValue{}
	for _, s := range settings() {
		v := &flagValue{isBool: s.arg == "BOOL"}
		flags[s.env] = v
		fs.Var(v, s.flag, s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (see gatehouse serve --help)", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see gatehouse serve --help)", fs.Arg(0))
	}

	values := map[string]string{}
	for _, name := range append(settingNames(), envPort) {
		if v, ok := lookupEnv(name); ok && v != "" {
			values[name] = v
		}
	}
	for name, v := range flags {
		if v.set {
			values[name] = v.value
		}
	}
	return values, nil
}

func settingNames() []string {
	var names []string
	for _, s := range settings() {
		names = append(names, s.env)
	}
	return names
}

// flagValue is the text of one flag, and whether it was given.
type flagValue struct {
	value  string
	set    bool
	isBool bool
}

func (v *flagValue) String() string { return v.value }

func (v *flagValue) Set(s string) error {
	v.value, v.set = s, true
	return nil
}

// IsBoolFlag lets a boolean flag stand alone, as --insecure-http-jwks.
func (v *flagValue) IsBoolFlag() bool { return v.isBool }

// loader turns the text of the settings into a config, keeping the first
// error: the one startup reports.
type loader struct {
	values map[string]string
	err    error
}

func (l *loader) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// list reads a comma-separated list, refusing empty items.
func (l *loader) list(env string) []string {
	s, ok := l.values[env]
	if !ok {
		return nil
	}
	items := strings.Split(s, ",")
	for i, item := range items {
		items[i] = strings.TrimSpace(item)
		if items[i] == "" {
			l.fail(invalid(env, "item %d is empty", i+1))
		}
	}
	return items
}

// duration reads a Go duration, such as 30s, above 0 and at most max. An
// unset duration is zero, which the consumer reads as its default.
func (l *loader) duration(env string, max time.Duration) time.Duration {
	s, ok := l.values[env]
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		l.fail(invalid(env, "must be a duration such as 30s or 2m, not %q", s))
	case d <= 0 || d > max:
		l.fail(invalid(env, "must be more than 0 and at most %s", max))
	}
	return d
}

// oneOf reads a setting that must be one of the choices.
func (l *loader) oneOf(env, def string, choices ...string) string {
	s := l.valueOr(env, def)
	if !slices.Contains(choices, s) {
		l.fail(invalid(env, "must be %s, not %q", strings.Join(choices, " or "), s))
	}
	return s
}

func (l *loader) logLevel() slog.Level {
	switch l.oneOf(envLogLevel, "info", "debug", "info", "warn", "error") {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (l *loader) valueOr(env, def string) string {
	if s, ok := l.values[env]; ok {
		return s
	}
	return def
}
