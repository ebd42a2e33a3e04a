package betterauth

import (
	"encoding/json"
	"sync"
	"time"
)

// Principal is the verified caller: the token's subject and its claims. A
// Principal is immutable and safe for concurrent use; the token cache hands
// the same one to every request that carries the same token.
type Principal struct {
	// Subject is the verified sub claim: the BetterAuth user id.
	Subject string

	issuer    string
	audience  []string
	expiresAt time.Time
	issuedAt  time.Time
	alg       string
	payload   []byte // the verified claims set, as signed

	userOnce sync.Once
	user     userClaims

	claimsOnce sync.Once
	claims     map[string]any
}

// userClaims are the user fields that BetterAuth's JWT plugin copies into
// its tokens by default.
type userClaims struct {
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Image         string    `json:"image"`
	Role          string    `json:"role"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Issuer returns the verified iss claim, or "" when the token had none.
func (p *Principal) Issuer() string { return p.issuer }

// Audience returns the aud claim as a list; the caller must not modify it.
func (p *Principal) Audience() []string { return p.audience }

// ExpiresAt returns the exp claim.
func (p *Principal) ExpiresAt() time.Time { return p.expiresAt }

// IssuedAt returns the iat claim, or the zero time when absent.
func (p *Principal) IssuedAt() time.Time { return p.issuedAt }

// Algorithm returns the JWS algorithm the token was signed with.
func (p *Principal) Algorithm() string { return p.alg }

// Name returns BetterAuth's name user field, or "".
func (p *Principal) Name() string { return p.userFields().Name }

// Email returns BetterAuth's email user field, or "".
func (p *Principal) Email() string { return p.userFields().Email }

// EmailVerified returns BetterAuth's emailVerified user field.
func (p *Principal) EmailVerified() bool { return p.userFields().EmailVerified }

// Image returns BetterAuth's image user field, or "" when null or absent.
func (p *Principal) Image() string { return p.userFields().Image }

// Role returns the role user field added by BetterAuth's admin plugin, or "".
func (p *Principal) Role() string { return p.userFields().Role }

// CreatedAt returns BetterAuth's createdAt user field, or the zero time.
func (p *Principal) CreatedAt() time.Time { return p.userFields().CreatedAt }

// UpdatedAt returns BetterAuth's updatedAt user field, or the zero time.
func (p *Principal) UpdatedAt() time.Time { return p.userFields().UpdatedAt }

// Claim decodes the named claim into dst, as encoding/json would, and
// reports whether the claim was present.
func (p *Principal) Claim(name string, dst any) (bool, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(p.payload, &all); err != nil {
		return false, err
	}
	raw, ok := all[name]
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(raw, dst)
}

// Claims returns every verified claim, decoded as encoding/json decodes into
// a map. The map is shared: the caller must not modify it.
func (p *Principal) Claims() map[string]any {
	p.claimsOnce.Do(func() {
		// The payload passed the strict parser, so it decodes.
		_ = json.Unmarshal(p.payload, &p.claims)
	})
	return p.claims
}

func (p *Principal) userFields() *userClaims {
	p.userOnce.Do(func() {
		// Fields of an unexpected type are left at their zero value
		// rather than failing: they were not part of the check.
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(p.payload, &raw)
		decode := func(name string, dst any) {
			if v, ok := raw[name]; ok {
				_ = json.Unmarshal(v, dst)
			}
		}
		u := &p.user
		decode("name", &u.Name)
		decode("email", &u.Email)
		decode("emailVerified", &u.EmailVerified)
		decode("image", &u.Image)
		decode("role", &u.Role)
		decode("createdAt", &u.CreatedAt)
		decode("updatedAt", &u.UpdatedAt)
	})
	return &p.user
}
