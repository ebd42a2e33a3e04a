package betterauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gatehouse/gatehouse/betterauth"
)

// A service protects its routes with the middleware and reads the caller
// from the request context.
func ExampleMiddleware() {
	// A stand-in for BetterAuth that has not signed anything yet.
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"keys":[]}`)
	}))
	defer auth.Close()

	v, err := betterauth.New(betterauth.Config{
		// Keys come from {BaseURL}/api/auth/jwks; issuer and audience
		// default to the origin of BaseURL.
		BaseURL: auth.URL,
		// Tokens minted by the application with the shared secret verify
		// too.
		Secrets: []string{exampleSecret},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := betterauth.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "hello %s <%s>", p.Subject, p.Email())
	})
	handler := betterauth.Middleware(v, nil)(hello)

	for _, header := range []string{"", "Bearer " + exampleToken(auth.URL, "user-42")} {
		req := httptest.NewRequest("GET", "/me", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	}
	// Output:
	// 401 Bearer realm="gatehouse" {"code":"token_missing","detail":"no bearer token","status":401,"title":"Unauthorized","type":"about:blank"}
	//
	// 200  hello user-42 <user-42@example.com>
}

// Verify can be called directly, and its errors tell why a token failed.
func ExampleVerifier_Verify() {
	v, err := betterauth.New(betterauth.Config{
		Issuer:   "https://app.example.com",
		Audience: []string{"https://app.example.com"},
		Secrets:  []string{exampleSecret},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	p, err := v.Verify(context.Background(), exampleToken("https://app.example.com", "user-42"))
	fmt.Println(p.Subject, err)

	_, err = v.Verify(context.Background(), "not-a-token")
	fmt.Println(errors.Is(err, betterauth.ErrTokenMalformed), betterauth.Code(err))
	// Output:
	// user-42 <nil>
	// true token_malformed
}

// BETTER_AUTH_SECRETS lists versioned secrets, newest first; each verifies.
func ExampleParseSecrets() {
	secrets, err := betterauth.ParseSecrets("2:" + exampleSecret + ",1:an-older-secret-that-is-32-bytes-long")
	fmt.Println(len(secrets), err)
	// Output: 2 <nil>
}

const exampleSecret = "a-shared-secret-of-at-least-32-bytes"

// exampleToken mints the kind of HS256 token an application that shares
// BETTER_AUTH_SECRET with its backend would.
func exampleToken(issuer, sub string) string {
	claims, _ := json.Marshal(map[string]any{
		"sub":   sub,
		"email": sub + "@example.com",
		"iss":   issuer,
		"aud":   issuer,
		"exp":   time.Now().Add(time.Hour).Unix(),
	})
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(exampleSecret))
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}
