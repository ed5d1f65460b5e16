// Package sessionkittest runs sessionkit's reference server of the signed, optionally compressed
// POST /v1/sessions API for a Go test: a test fails when the client under test sent a request
// the server refused (wrong bytes signed, mislabelled compression, a schema violation), with the
// mistake named and its hint. Standard library only; the server is the sessionkit binary (from
// SESSIONKIT_BIN, else PATH), talked to through its control API.
//
//	func TestClientCreatesASession(t *testing.T) {
//		server := sessionkittest.Start(t) // stopped, and its requests verified, when t ends
//		status, err := myclient.CreateSession(server.SessionsURL, server.APIKey, server.Secret)
//		if err != nil || status != 201 {
//			t.Fatalf("status %d, %v", status, err)
//		}
//	}
package sessionkittest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Options configure the server; the zero value is the documentation's credentials and profile.
type Options struct {
	// Profile bodies are validated in: "documented" (the default) or "strict".
	Profile string
	// APIKey the server accepts (default "your-api-key").
	APIKey string
	// Secret is the shared secret (default "your-shared-secret").
	Secret string
	// RequireSignature refuses POST /v1/sessions without X-HMAC-SIGNATURE (401
	// missing_signature). The default, false, accepts it in the documented profile, as the API
	// does for session creation (its FAQ); set it when your client means to sign, so that a test
	// fails the day it forgets to.
	RequireSignature bool
}

// Server is a running reference server.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// SessionsURL is where POST /v1/sessions goes.
	SessionsURL string
	// APIKey and Secret are the credentials it accepts.
	APIKey, Secret string
	cmd            *exec.Cmd
	dir            string
}

// Diagnostic is one finding of a refused request: the mistake, what was seen, what to change.
type Diagnostic struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// Request is one request the server saw, with its verdict.
type Request struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
	Outcome struct {
		Error       string       `json:"error"`
		Message     string       `json:"message"`
		Diagnostics []Diagnostic `json:"diagnostics"`
	} `json:"outcome"`
}

// VerifyError lists the requests the server refused.
type VerifyError struct {
	Failures []Request
}

func (e *VerifyError) Error() string {
	lines := []string{fmt.Sprintf("%d request(s) to the sessionkit server were not accepted:", len(e.Failures))}
	for _, r := range e.Failures {
		errorCode := r.Outcome.Error
		if errorCode == "" {
			errorCode = "-"
		}
		lines = append(lines, fmt.Sprintf("- %s %s -> %d %s: %s", r.Method, r.Path, r.Status, errorCode, r.Outcome.Message))
		for _, d := range r.Outcome.Diagnostics {
			lines = append(lines, fmt.Sprintf("    mistake[%s]: %s", d.Code, d.Message))
			if d.Hint != "" {
				lines = append(lines, "      hint: "+d.Hint)
			}
		}
	}
	return strings.Join(lines, "\n")
}

// Start starts the server for t on a free loopback port. When t ends, t.Cleanup verifies every
// request since the last reset (failing t with each refused request, its mistake and hint) and
// stops the server. A nil opts is the zero Options.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	o := Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	server, err := start(o)
	if err != nil {
		t.Fatalf("sessionkittest: %v", err)
	}
	t.Cleanup(func() {
		t.Helper()
		if err := server.Verify(); err != nil {
			t.Errorf("%v", err)
		}
		server.stop()
	})
	return server
}

// Test resets the server for the test or subtest t and verifies its requests when t ends:
// one server shared by many tests, each judged on its own requests.
func (s *Server) Test(t testing.TB) {
	t.Helper()
	if err := s.Reset(); err != nil {
		t.Fatalf("sessionkittest: reset: %v", err)
	}
	t.Cleanup(func() {
		t.Helper()
		if err := s.Verify(); err != nil {
			t.Errorf("%v", err)
		}
	})
}

func start(o Options) (*Server, error) {
	if o.Profile == "" {
		o.Profile = "documented"
	}
	if o.APIKey == "" {
		o.APIKey = "your-api-key"
	}
	if o.Secret == "" {
		o.Secret = "your-shared-secret"
	}
	bin := os.Getenv("SESSIONKIT_BIN")
	if bin == "" {
		found, err := exec.LookPath("sessionkit")
		if err != nil {
			return nil, fmt.Errorf("no sessionkit binary: set SESSIONKIT_BIN or put sessionkit on PATH (%v)", err)
		}
		bin = found
	}
	dir, err := os.MkdirTemp("", "sessionkittest-")
	if err != nil {
		return nil, err
	}
	ready := filepath.Join(dir, "url")
	var log bytes.Buffer
	args := []string{"serve", "--addr", "127.0.0.1:0", "--ready-file", ready,
		"--profile", o.Profile, "--api-key", o.APIKey, "--shared-secret", o.Secret}
	if o.RequireSignature {
		args = append(args, "--require-signature")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cannot run %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The URL is written with a final newline: a file without one is not complete yet.
		if text, err := os.ReadFile(ready); err == nil && strings.HasSuffix(string(text), "\n") {
			url := strings.TrimSpace(string(text))
			return &Server{URL: url, SessionsURL: url + "/v1/sessions", APIKey: o.APIKey, Secret: o.Secret, cmd: cmd, dir: dir}, nil
		}
		select {
		case <-exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("sessionkit serve did not start: %s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			os.RemoveAll(dir)
			return nil, fmt.Errorf("sessionkit serve did not start within 10 s: %s", log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _, _ = s.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	os.RemoveAll(s.dir)
}

func (s *Server) control(method, route string, body interface{}, into interface{}) (int, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		reader = bytes.NewReader(data)
	}
	request, err := http.NewRequest(method, s.URL+"/__sessionkit/"+route, reader)
	if err != nil {
		return 0, err
	}
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	client := http.Client{Timeout: 10 * time.Second}
	answer, err := client.Do(request)
	if err != nil {
		return 0, err
	}
	defer answer.Body.Close()
	if into != nil {
		if err := json.NewDecoder(answer.Body).Decode(into); err != nil {
			return answer.StatusCode, fmt.Errorf("%s %s: %v", method, route, err)
		}
	}
	return answer.StatusCode, nil
}

// Requests lists every request since the last reset, with its verdict.
func (s *Server) Requests() ([]Request, error) {
	var body struct {
		Requests []Request `json:"requests"`
	}
	_, err := s.control("GET", "requests", nil, &body)
	return body.Requests, err
}

// Reset forgets the requests seen and any scripted answers.
func (s *Server) Reset() error {
	_, err := s.control("POST", "reset", nil, nil)
	return err
}

// Forged is a scripted 201 forged the way a client that verifies answers must refuse: Forge is
// "wrong-signature", "no-signature", "reserialized-signature", "other-secret", "truncated-body"
// or "other-api-key".
type Forged struct {
	Status int    `json:"status"`
	Forge  string `json:"forge"`
}

// Script sets the next answers to POST /v1/sessions: statuses (429, 500, 201) or Forged values,
// for example Script(429, Forged{201, "wrong-signature"}).
func (s *Server) Script(answers ...interface{}) error {
	var body struct {
		Message string `json:"message"`
	}
	status, err := s.control("POST", "script", answers, &body)
	if err == nil && status != 200 {
		err = fmt.Errorf("script refused: %s", body.Message)
	}
	return err
}

// Verify returns a *VerifyError naming each request since the reset that was not accepted (nor
// expected to fail), with its mistake and hint; nil when every one was.
func (s *Server) Verify() error {
	var body struct {
		Failed []Request `json:"failed"`
	}
	status, err := s.control("GET", "verify", nil, &body)
	if err != nil {
		return err
	}
	if status != 200 {
		return &VerifyError{Failures: body.Failed}
	}
	return nil
}
