package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/betterauth"
)

// Defaults for the zero duration fields of Config.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 20 * time.Second
	DefaultStoreTimeout      = 10 * time.Second
)

// maxHeaderBytes bounds a request's header; a token is at most 8 KiB.
const maxHeaderBytes = 64 << 10

// Config configures a Server. Store and Verifier are required.
type Config struct {
	// Store keeps the tasks.
	Store gatehouse.TaskStore

	// Verifier verifies bearer tokens.
	Verifier *betterauth.Verifier

	// Logger receives one line per request and the server's own errors.
	// Nil discards them.
	Logger *slog.Logger

	// CORSOrigins lists the exact origins, such as
	// "https://app.example.com", whose browser code may call the API.
	// Empty allows none.
	CORSOrigins []string

	// Timeouts of the HTTP server, as in net/http.Server. Zero means the
	// matching Default constant.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	// ShutdownTimeout bounds how long Serve waits, once asked to stop,
	// for requests in flight to finish. Zero means
	// DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	// StoreTimeout bounds the storage work of one API request, waiting
	// for a connection included; past it the request gets 503. A database
	// that stops answering on an open connection would otherwise hold the
	// request forever. Zero means DefaultStoreTimeout.
	StoreTimeout time.Duration
}

// handler holds what the route handlers share.
type handler struct {
	store        gatehouse.TaskStore
	verifier     *betterauth.Verifier
	auth         func(http.Handler) http.Handler
	storeTimeout time.Duration
}

// Server serves the API. It is safe for concurrent use.
type Server struct {
	srv             *http.Server
	shutdownTimeout time.Duration
}

// NewServer returns a Server for cfg.
func NewServer(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{
		store:        cfg.Store,
		verifier:     cfg.Verifier,
		storeTimeout: orDefault(cfg.StoreTimeout, DefaultStoreTimeout),
	}
	h.auth = betterauth.Middleware(cfg.Verifier, h.authError)
	srv := &http.Server{
		Handler:           observe(log, cors(cfg.CORSOrigins, h.routes())),
		ReadHeaderTimeout: orDefault(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(cfg.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDefault(cfg.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return &Server{
		srv:             srv,
		shutdownTimeout: orDefault(cfg.ShutdownTimeout, DefaultShutdownTimeout),
	}
}

// Handler returns the handler that serves every request: the routes with
// logging, panic recovery and CORS around them.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// Serve accepts connections on ln until ctx is done, then stops accepting
// and waits up to the shutdown timeout for requests in flight to finish
// before it closes the remaining connections. It returns nil after a clean
// shutdown, and otherwise the error that stopped it. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	drain, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(drain)
	if err != nil {
		err = errors.Join(fmt.Errorf("shut down: %w", err), s.srv.Close())
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("serve: %w", serr))
	}
	return err
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
