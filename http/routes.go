package http

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// routes lists every route of the service. A listed path answers the
// methods it does not list with 405, and any other path answers 404, both
// as problem+json where http.ServeMux would write text/plain.
func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	route(mux, "/healthz", methods{"GET": serve(h.healthz)})
	route(mux, "/readyz", methods{"GET": serve(h.readyz)})

	route(mux, "/api/{user_id}/tasks", methods{
		"GET":  h.owned(h.listTasks),
		"POST": h.owned(h.createTask),
	})
	route(mux, "/api/{user_id}/tasks/{id}", methods{
		"GET":    h.owned(h.getTask),
		"PUT":    h.owned(h.replaceTask),
		"PATCH":  h.owned(h.patchTask),
		"DELETE": h.owned(h.deleteTask),
	})
	route(mux, "/api/{user_id}/tasks/{id}/complete", methods{
		"PATCH": h.owned(h.toggleTask),
	})

	mux.Handle("/", serve(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(codeNotFound, "No route matches the path.")
	}))
	return mux
}

// methods maps the methods of one path to their handlers.
type methods map[string]http.Handler

// route registers the methods of path, and a handler that answers every
// other method with 405. ServeMux prefers a pattern with a method to one
// without, so the latter catches only the methods left out. GET also
// serves HEAD.
func route(mux *http.ServeMux, path string, ms methods) {
	var allow []string
	for method, h := range ms {
		mux.Handle(method+" "+path, h)
		allow = append(allow, method)
		if method == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	slices.Sort(allow)
	allowed := strings.Join(allow, ", ")

	mux.Handle(path, serve(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allowed)
		// The method is not echoed: a client could send anything there.
		return errorf(codeMethodNotAllowed,
			"The method is not allowed here; use %s.", allowed)
	}))
}

// serve adapts a handler that returns its error, which writeError answers.
func serve(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

// owned serves fn to the owner of the path's {user_id} only, within the
// store timeout.
func (h *handler) owned(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	bounded := func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), h.storeTimeout)
		defer cancel()
		return fn(w, r.WithContext(ctx))
	}
	return own(h.auth, serve(bounded).ServeHTTP)
}
