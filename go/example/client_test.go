// The test a Go team writes, in a module of its own that uses sessionkittest (.ci/go runs it):
// one client that signs the uncompressed bytes and passes, one that signs the compressed bytes,
// whose test fails naming the mistake and its hint.
package client

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/sessionkit/sessionkit/go/sessionkittest"
)

func createSession(url, apiKey, secret string, signCompressed bool) (int, error) {
	status, _, err := createVerified(url, apiKey, secret, signCompressed)
	return status, err
}

// createVerified also says whether the answer is trusted: X-AUTH-CLIENT is the key and
// X-HMAC-SIGNATURE the HMAC of the exact bytes received, compared in constant time.
func createVerified(url, apiKey, secret string, signCompressed bool) (int, bool, error) {
	body := []byte(`{"verification":{"vendorData":"customer-123"}}`)
	var compressed bytes.Buffer
	zw := gzip.NewWriter(&compressed)
	zw.Write(body)
	zw.Close()
	signed := body
	if signCompressed {
		signed = compressed.Bytes()
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(signed)
	request, _ := http.NewRequest("POST", url, bytes.NewReader(compressed.Bytes()))
	request.Header.Set("X-AUTH-CLIENT", apiKey)
	request.Header.Set("X-HMAC-SIGNATURE", hex.EncodeToString(mac.Sum(nil)))
	request.Header.Set("Content-Type", "application/json")
	request.Header.Set("Content-Encoding", "gzip")
	answer, err := http.DefaultClient.Do(request)
	if err != nil {
		return 0, false, err
	}
	defer answer.Body.Close()
	received, _ := io.ReadAll(answer.Body)
	answerMAC := hmac.New(sha256.New, []byte(secret))
	answerMAC.Write(received)
	sent, _ := hex.DecodeString(answer.Header.Get("X-HMAC-SIGNATURE"))
	trusted := answer.Header.Get("X-AUTH-CLIENT") == apiKey && hmac.Equal(sent, answerMAC.Sum(nil)) && json.Valid(received)
	return answer.StatusCode, trusted, nil
}

func TestClientCreatesASession(t *testing.T) {
	server := sessionkittest.Start(t) // stopped, and its requests verified, when the test ends
	status, err := createSession(server.SessionsURL, server.APIKey, server.Secret, false)
	if err != nil || status != 201 {
		t.Fatalf("status %d, %v", status, err)
	}
}

func TestClientThatSignsTheCompressedBytes(t *testing.T) {
	server := sessionkittest.Start(t, sessionkittest.Options{APIKey: "their-key", Secret: "their-secret"})
	_, _ = createSession(server.SessionsURL, server.APIKey, server.Secret, true)
}

func TestScriptAndRequests(t *testing.T) {
	server := sessionkittest.Start(t)
	if err := server.Script(429, 201); err != nil {
		t.Fatal(err)
	}
	first, _ := createSession(server.SessionsURL, server.APIKey, server.Secret, false)
	second, _ := createSession(server.SessionsURL, server.APIKey, server.Secret, false)
	if first != 429 || second != 201 {
		t.Fatalf("scripted answers %d, %d", first, second)
	}
	requests, err := server.Requests()
	if err != nil || len(requests) != 2 {
		t.Fatalf("%d requests, %v", len(requests), err)
	}
}

func TestMyClientRefusesAForgedAnswer(t *testing.T) {
	server := sessionkittest.Start(t)
	if err := server.Script(sessionkittest.Forged{Status: 201, Forge: "wrong-signature"}, 201); err != nil {
		t.Fatal(err)
	}
	status, trusted, _ := createVerified(server.SessionsURL, server.APIKey, server.Secret, false)
	if status != 201 || trusted {
		t.Fatalf("a forged answer: status %d, trusted %v", status, trusted)
	}
	if _, trusted, _ := createVerified(server.SessionsURL, server.APIKey, server.Secret, false); !trusted {
		t.Fatal("the genuine answer is not trusted")
	}
}

func postUnsigned(url, apiKey string) (int, error) {
	request, err := http.NewRequest("POST", url, bytes.NewReader([]byte(`{"verification":{}}`)))
	if err != nil {
		return 0, err
	}
	request.Header.Set("X-AUTH-CLIENT", apiKey)
	request.Header.Set("Content-Type", "application/json")
	answer, err := http.DefaultClient.Do(request)
	if err != nil {
		return 0, err
	}
	defer answer.Body.Close()
	return answer.StatusCode, nil
}

// An unsigned client (the vendor's browser SDK sends no signature) is accepted, as the API
// accepts session creation unsigned.
func TestUnsignedClientIsAcceptedAsTheAPIAcceptsIt(t *testing.T) {
	server := sessionkittest.Start(t)
	status, err := postUnsigned(server.SessionsURL, server.APIKey)
	if err != nil || status != 201 {
		t.Fatalf("status %d, %v", status, err)
	}
}

// With RequireSignature the same client is refused, and its test fails naming the mistake.
func TestUnsignedClientFailsWhenASignatureIsRequired(t *testing.T) {
	server := sessionkittest.Start(t, sessionkittest.Options{RequireSignature: true})
	status, err := postUnsigned(server.SessionsURL, server.APIKey)
	if err != nil || status != 401 {
		t.Fatalf("status %d, %v", status, err)
	}
}

// A Go client as public integrations write it: a struct without omitempty, so its bodies always
// carry "vendorData":"" and "person":{}, serialized by encoding/json, which writes & < > as
// \u0026 \u003c \u003e; it signs and sends those same bytes. The API accepts it, and so does the
// reference server.
type goPerson struct {
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

type goVerification struct {
	Callback   string   `json:"callback"`
	Person     goPerson `json:"person"`
	VendorData string   `json:"vendorData"`
}

type goSession struct {
	Verification goVerification `json:"verification"`
}

func TestGoStructClientWithoutOmitempty(t *testing.T) {
	server := sessionkittest.Start(t)
	body, err := json.Marshal(goSession{Verification: goVerification{Callback: "https://example.com/callback?a=1&b=2"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"vendorData":""`, `"person":{}`, `\u0026`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Fatalf("encoding/json wrote %s, without %s", body, want)
		}
	}
	mac := hmac.New(sha256.New, []byte(server.Secret))
	mac.Write(body)
	request, _ := http.NewRequest("POST", server.SessionsURL, bytes.NewReader(body))
	request.Header.Set("X-AUTH-CLIENT", server.APIKey)
	request.Header.Set("X-HMAC-SIGNATURE", hex.EncodeToString(mac.Sum(nil)))
	request.Header.Set("Content-Type", "application/json")
	answer, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer answer.Body.Close()
	if answer.StatusCode != 201 {
		received, _ := io.ReadAll(answer.Body)
		t.Fatalf("status %d: %s", answer.StatusCode, received)
	}
}
