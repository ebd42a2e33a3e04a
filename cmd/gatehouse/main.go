// Command gatehouse serves the task API of applications that sign their
// users in with BetterAuth. Run "gatehouse serve"; "gatehouse --help" lists
// every setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse/betterauth"
	"github.com/gatehouse/gatehouse/http"
)

// Exit codes.
const (
	exitFailure = 1 // the server could not start or stopped with an error
	exitUsage   = 2 // the command line or a setting is wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command with args and the environment that lookupEnv reads,
// and returns the exit code. Help goes to stdout; logs and the one line that
// tells why startup failed go to stderr.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool),
	stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "gatehouse: no command (see gatehouse --help)")
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		writeHelp(stdout)
		return 0
	case "serve":
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q (see gatehouse --help)\n", args[0])
		return exitUsage
	}

	cfg, err := loadConfig(args[1:], lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		writeServeHelp(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return exitUsage
	}
	if err := serve(ctx, cfg, stderr); err != nil {
		fmt.Fprintf(stderr, "gatehouse: %s\n", oneLine(err.Error()))
		var se *settingError
		if errors.As(err, &se) {
			return exitUsage
		}
		return exitFailure
	}
	return 0
}

// serve opens the store, starts verifying tokens and serves the API until
// ctx is done.
func serve(ctx context.Context, cfg config, logOut io.Writer) error {
	log := newLogger(cfg, logOut)

	verifier, err := betterauth.New(cfg.verifier)
	if err != nil {
		return fmt.Errorf("token verification settings: %w", err)
	}
	defer verifier.Close()

	store, err := openStore(ctx, cfg.database)
	if err != nil {
		return err
	}
	defer store.Close()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return invalid(envAddr, "cannot listen on %s: %v", cfg.addr, err)
	}
	logConfig(log, cfg, verifier, ln.Addr())

	srv := http.NewServer(http.Config{
		Store:       store,
		Verifier:    verifier,
		Logger:      log,
		CORSOrigins: cfg.corsOrigins,
	})
	err = srv.Serve(ctx, ln)
	log.Info("gatehouse stopped")
	return err
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logConfig logs the effective configuration, with the issuer, audience and
// JWKS URL as the verifier resolved them, and without the secrets or the
// database password.
func logConfig(log *slog.Logger, cfg config, verifier *betterauth.Verifier, addr net.Addr) {
	v := cfg.verifier
	log.Info("gatehouse listening",
		slog.String("addr", addr.String()),
		slog.String("better_auth_url", v.BaseURL),
		slog.String("jwks_url", verifier.JWKSURL()),
		slog.Int("secrets", len(v.Secrets)),
		slog.String("issuer", verifier.Issuer()),
		slog.String("audience", strings.Join(verifier.Audience(), ",")),
		slog.Duration("leeway", v.Leeway),
		slog.Duration("jwks_refresh_cooldown", v.RefreshCooldown),
		slog.Duration("jwks_max_age", v.MaxKeyAge),
		slog.String("database", cfg.database.String()),
		slog.String("cors_origins", strings.Join(cfg.corsOrigins, ",")),
		slog.String("log_level", cfg.logLevel.String()),
	)
}

// oneLine joins the lines of a message, as some drivers' errors have
// several, so that startup failures stay one line.
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "; ")
}
