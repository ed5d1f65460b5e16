// POST /v1/sessions as a Go team writes it with the standard library only: net/http,
// compress/gzip and compress/zlib, crypto/hmac, and encoding/json into structs. Written from the
// API's documentation, not from sessionkit's corpus: what conform reports against it is what a
// real Go server does (see ../README.md for each deviation and its level).
//
//	go run . -api-key K -secret S [-fixed]    # prints "listening on http://127.0.0.1:PORT"
package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"time"
)

const limit = 1 << 20

var (
	apiKey = flag.String("api-key", "your-api-key", "the API key clients send")
	secret = flag.String("secret", "your-shared-secret", "the shared secret")
	fixed  = flag.Bool("fixed", false, "serve the handler with every deviation fixed (fixed.go)")
	uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	alnum  = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
	letter = regexp.MustCompile(`^[a-zA-Z]+$`)
	cc     = regexp.MustCompile(`^[A-Z]{2}$`)
)

type person struct {
	FirstName     string `json:"firstName,omitempty"`
	LastName      string `json:"lastName,omitempty"`
	DateOfBirth   string `json:"dateOfBirth,omitempty"`
	MaritalStatus string `json:"maritalStatus,omitempty"`
}

type document struct {
	Number     string `json:"number,omitempty"`
	Country    string `json:"country,omitempty"`
	Type       string `json:"type,omitempty"`
	FirstIssue string `json:"firstIssue,omitempty"`
	IDCardType string `json:"idCardType,omitempty"`
}

type consent struct {
	Type      string  `json:"type"`
	Approved  bool    `json:"approved"`
	Text      *string `json:"text"`
	Timestamp string  `json:"timestamp"`
}

type verification struct {
	Callback    string          `json:"callback,omitempty"`
	Person      *person         `json:"person,omitempty"`
	Document    *document       `json:"document,omitempty"`
	VendorData  json.RawMessage `json:"vendorData,omitempty"`
	EndUserID   *string         `json:"endUserId,omitempty"`
	Tag         *string         `json:"tag,omitempty"`
	Consents    []consent       `json:"consents,omitempty"`
	HostAppLink string          `json:"hostAppLink,omitempty"`
}

type request struct {
	Verification *verification `json:"verification"`
}

func fail(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnsupportedMediaType {
		w.Header().Set("Accept-Encoding", "gzip, deflate")
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": "fail", "code": code, "message": message})
}

func sign(data []byte) string {
	mac := hmac.New(sha256.New, []byte(*secret))
	mac.Write(data)
	return hex.EncodeToString(mac.Sum(nil))
}

func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

func sessions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, 405, 405, "method not allowed")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		fail(w, 415, 415, "Content-Type must be application/json")
		return
	}
	var decoded io.Reader
	wire := http.MaxBytesReader(w, r.Body, limit)
	switch r.Header.Get("Content-Encoding") {
	case "":
		decoded = wire
	case "gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			fail(w, 400, 1104, "body is not gzip")
			return
		}
		decoded = zr
	case "deflate":
		zr, err := zlib.NewReader(wire)
		if err != nil {
			fail(w, 400, 1104, "body is not deflate")
			return
		}
		decoded = zr
	default:
		fail(w, 415, 415, "unsupported Content-Encoding")
		return
	}
	body, err := io.ReadAll(io.LimitReader(decoded, limit+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, 413, 413, "body too large")
			return
		}
		fail(w, 400, 1104, "body cannot be decoded: "+err.Error())
		return
	}
	if len(body) > limit {
		fail(w, 413, 413, "decoded body too large")
		return
	}
	key := r.Header.Get("X-AUTH-CLIENT")
	if key == "" {
		fail(w, 401, 1801, "missing X-AUTH-CLIENT")
		return
	}
	if key != *apiKey {
		fail(w, 401, 1801, "unknown API key")
		return
	}
	given, err := hex.DecodeString(r.Header.Get("X-HMAC-SIGNATURE"))
	want, _ := hex.DecodeString(sign(body))
	if err != nil || !hmac.Equal(given, want) {
		fail(w, 401, 1819, "signature mismatch")
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		fail(w, 400, 1104, "invalid JSON: "+err.Error())
		return
	}
	v := req.Verification
	if v == nil {
		fail(w, 400, 1102, "verification is missing")
		return
	}
	if msg := validate(v); msg != "" {
		fail(w, 400, 1104, msg)
		return
	}
	created(w, v.EndUserID, rawOrNull(v.VendorData))
}

// created answers 201 with a new session echoing endUserId and vendorData, signed.
func created(w http.ResponseWriter, endUserID, vendorData any) {
	var token [16]byte
	rand.Read(token[:])
	token[6] = token[6]&0x0f | 0x40 // a version 4 UUID
	token[8] = token[8]&0x3f | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", token[0:4], token[4:6], token[6:8], token[8:10], token[10:16])
	answer := map[string]any{"status": "success", "verification": map[string]any{
		"id":  id,
		"url": "https://example.invalid/v/" + hex.EncodeToString(token[:]), "sessionToken": hex.EncodeToString(token[:]),
		"baseUrl": "https://example.invalid", "status": "created", "endUserId": endUserID, "vendorData": vendorData,
	}}
	data, _ := json.Marshal(answer)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-AUTH-CLIENT", *apiKey)
	w.Header().Set("X-HMAC-SIGNATURE", sign(data))
	w.WriteHeader(201)
	w.Write(data)
}

func rawOrNull(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return raw
}

// validate checks the documented constraints: lengths with len() (bytes, as Go counts), the
// date format with time.Parse, the patterns with regexp.
func validate(v *verification) string {
	if v.Tag != nil && len(*v.Tag) > 64 {
		return "tag is longer than 64 characters"
	}
	if len(v.VendorData) > 0 {
		var s string
		if json.Unmarshal(v.VendorData, &s) == nil {
			if len(s) > 1000 {
				return "vendorData is longer than 1000 characters"
			}
		} else if !regexp.MustCompile(`^-?[0-9]+$`).Match(bytes.TrimSpace(v.VendorData)) {
			return "vendorData must be a string or an integer"
		}
	}
	if v.EndUserID != nil && !uuidRe.MatchString(*v.EndUserID) {
		return "endUserId is not a UUID"
	}
	if p := v.Person; p != nil {
		if p.DateOfBirth != "" && !isDate(p.DateOfBirth) {
			return "person.dateOfBirth is not a date"
		}
		switch p.MaritalStatus {
		case "", "single", "married", "divorced", "widowed":
		default:
			return "person.maritalStatus is not one of the documented values"
		}
	}
	if d := v.Document; d != nil {
		if d.Number != "" && !alnum.MatchString(d.Number) {
			return "document.number must be letters and digits"
		}
		if d.Country != "" && !cc.MatchString(d.Country) {
			return "document.country must be an ISO 3166-1 alpha-2 code"
		}
		if d.IDCardType != "" && !letter.MatchString(d.IDCardType) {
			return "document.idCardType must be letters"
		}
		if d.FirstIssue != "" && !isDate(d.FirstIssue) {
			return "document.firstIssue is not a date"
		}
		switch d.Type {
		case "", "PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA":
		default:
			return "document.type is not one of the documented values"
		}
	}
	for _, c := range v.Consents {
		if c.Type == "eid" && c.Approved && c.Text == nil {
			return "an approved eid consent needs its text"
		}
		if _, err := time.Parse(time.RFC3339, c.Timestamp); c.Timestamp != "" && err != nil {
			return "consent timestamp is not RFC 3339"
		}
	}
	return ""
}

func main() {
	flag.Parse()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on http://%s\n", listener.Addr())
	if *fixed {
		http.HandleFunc("/v1/sessions", fixedSessions)
	} else {
		http.HandleFunc("/v1/sessions", sessions)
	}
	http.Serve(listener, nil)
}
