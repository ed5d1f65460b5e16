// The Go server once its team fixed every deviation `sessionkit conform` and `sessionkit fuzz`
// found (`go run . -fixed`): still the standard library only, still written from the API's
// documentation. What changed is what ../README.md lists for Go, fixed the way the documentation
// or the RFC it cites asks:
//
//   - the checks run in the documented order: API key (1801 missing, 1803 unknown), media type,
//     content coding (case-insensitive; a list, also over two header lines, refused), a declared
//     length over the limit answered 413 before the body is read, then decoding, which stops at
//     the decoded limit and refuses bytes after the stream;
//   - a signature that is not one line of 64 lowercase hex digits is 1812, a wrong one 1819;
//   - the JSON is UTF-8, read token by token first (a repeated key, nesting deeper than 64 or a
//     number beyond a double refuses it), then into maps, whose keys are exact (encoding/json's
//     structs match names case-insensitively);
//   - lengths count characters (utf8.RuneCountInString), not bytes; timestamps are UTC; every
//     documented member is checked; endUserId and vendorData are echoed as sent (json.Number).
package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const maxDepth = 64

var (
	signatureRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
	anyCaseUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// RFC 3986 §3.1: an absolute URI starts with a scheme; printable ASCII, no spaces.
	absoluteURI = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:[!-~]*$`)
	dateRe      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	utcRe       = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$`)
	integerRe   = regexp.MustCompile(`^-?[0-9]+$`)
)

// refusal is an answer decided before the session is created.
type refusal struct {
	status, code int
	message      string
}

func refuse(status, code int, format string, args ...any) *refusal {
	return &refusal{status, code, fmt.Sprintf(format, args...)}
}

func fixedSessions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, 405, 405, "method not allowed")
		return
	}
	v, err := receive(r)
	if err != nil {
		fail(w, err.status, err.code, err.message)
		return
	}
	created(w, v["endUserId"], v["vendorData"])
}

// receive runs the documented checks in order; the first that fails decides the answer.
func receive(r *http.Request) (map[string]any, *refusal) {
	keys := r.Header.Values("X-AUTH-CLIENT")
	switch {
	case len(keys) == 0:
		return nil, refuse(401, 1801, "missing X-AUTH-CLIENT")
	case len(keys) > 1 || !hmac.Equal([]byte(keys[0]), []byte(*apiKey)):
		return nil, refuse(401, 1803, "unknown X-AUTH-CLIENT")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, refuse(415, 415, "Content-Type must be application/json")
	}
	coding := ""
	if joined := strings.Join(r.Header.Values("Content-Encoding"), ","); strings.TrimSpace(joined) != "" {
		list := strings.Split(joined, ",")
		coding = strings.ToLower(strings.TrimSpace(list[0]))
		if len(list) > 1 || (coding != "gzip" && coding != "deflate") {
			return nil, refuse(415, 415, "unsupported Content-Encoding %q", joined)
		}
	}
	if r.ContentLength > limit {
		return nil, refuse(413, 413, "body too large")
	}
	wire, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, refuse(400, 1104, "body cannot be read: %v", err)
	}
	if len(wire) > limit {
		return nil, refuse(413, 413, "body too large")
	}
	body, fault := decode(wire, coding)
	if fault != nil {
		return nil, fault
	}
	signatures := r.Header.Values("X-HMAC-SIGNATURE")
	if len(signatures) != 1 || !signatureRe.MatchString(signatures[0]) {
		return nil, refuse(401, 1812, "X-HMAC-SIGNATURE must be one line of 64 lowercase hex digits")
	}
	if !hmac.Equal([]byte(signatures[0]), []byte(sign(body))) {
		return nil, refuse(401, 1819, "signature mismatch")
	}
	if !utf8.Valid(body) {
		return nil, refuse(400, 1104, "body is not UTF-8")
	}
	if fault := scan(body); fault != nil {
		return nil, fault
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	var document any
	if err := decoder.Decode(&document); err != nil {
		return nil, refuse(400, 1104, "invalid JSON: %v", err)
	}
	top, ok := document.(map[string]any)
	if !ok {
		return nil, refuse(400, 1104, "body is not a JSON object")
	}
	raw, present := top["verification"]
	if !present {
		return nil, refuse(400, 1102, "verification is missing")
	}
	v, ok := raw.(map[string]any)
	if !ok {
		return nil, refuse(400, 1104, "verification is not an object")
	}
	if fault := validateFixed(v); fault != nil {
		return nil, fault
	}
	return v, nil
}

// decode undoes the content coding, stopping at the decoded limit, refusing bytes after the
// stream (a gzip body may be several members, RFC 1952 §2.2; a zlib stream is one).
func decode(wire []byte, coding string) ([]byte, *refusal) {
	if coding == "" {
		return wire, nil
	}
	rest := bytes.NewReader(wire)
	var stream io.Reader
	var err error
	if coding == "gzip" {
		stream, err = gzip.NewReader(rest)
	} else {
		stream, err = zlib.NewReader(rest)
	}
	if err != nil {
		return nil, refuse(400, 1104, "body is not %s: %v", coding, err)
	}
	body, err := io.ReadAll(io.LimitReader(stream, limit+1))
	if len(body) > limit {
		return nil, refuse(413, 413, "decoded body too large")
	}
	if err != nil {
		return nil, refuse(400, 1104, "body is not %s: %v", coding, err)
	}
	if rest.Len() > 0 {
		return nil, refuse(400, 1104, "bytes after the %s stream", coding)
	}
	return body, nil
}

// scan reads the JSON token by token: a repeated key, nesting deeper than 64, a number beyond a
// double or anything after the value refuses it.
func scan(body []byte) *refusal {
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return refuse(400, 1104, "invalid JSON: %v", err)
		}
		if d, ok := token.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
			continue
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			name := token.(string)
			if top.keys[name] {
				return refuse(400, 1104, "repeated key %q", name)
			}
			top.keys[name] = true
			top.key = false
			continue
		}
		switch t := token.(type) {
		case json.Delim: // an opening one: the closing ones are followed above
			if len(stack) == maxDepth {
				return refuse(400, 1104, "nested deeper than %d", maxDepth)
			}
			stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, key: t == '{'})
			continue
		case json.Number:
			if f, err := strconv.ParseFloat(string(t), 64); err != nil || math.IsInf(f, 0) {
				return refuse(400, 1104, "%s is beyond the range of a double", t)
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
	return nil
}

// validateFixed checks every documented member; null is read as the member left out.
func validateFixed(v map[string]any) *refusal {
	bad := func(field, what string) *refusal { return refuse(400, 1104, "%s: %s", field, what) }
	text := func(value any) (string, bool) { s, ok := value.(string); return s, ok }
	integer := func(value any) bool { n, ok := value.(json.Number); return ok && integerRe.MatchString(string(n)) }
	object := func(field string, value any) (map[string]any, *refusal) {
		if value == nil {
			return nil, nil
		}
		m, ok := value.(map[string]any)
		if !ok {
			return nil, bad(field, "not an object")
		}
		return m, nil
	}
	texts := func(field string, m map[string]any, names ...string) *refusal {
		for _, name := range names {
			if value := m[name]; value != nil {
				if _, ok := text(value); !ok {
					return bad(field+"."+name, "not a string")
				}
			}
		}
		return nil
	}
	textOrInteger := func(field string, m map[string]any, names ...string) *refusal {
		for _, name := range names {
			if value := m[name]; value != nil {
				if _, ok := text(value); !ok && !integer(value) {
					return bad(field+"."+name, "not a string or an integer")
				}
			}
		}
		return nil
	}
	date := func(field string, m map[string]any, names ...string) *refusal {
		for _, name := range names {
			if value := m[name]; value != nil {
				s, ok := text(value)
				if _, err := time.Parse("2006-01-02", s); !ok || !dateRe.MatchString(s) || err != nil {
					return refuse(400, 1203, "%s.%s: not a YYYY-MM-DD date of the calendar", field, name)
				}
			}
		}
		return nil
	}
	matching := func(field string, m map[string]any, name string, re *regexp.Regexp) *refusal {
		if value := m[name]; value != nil {
			if s, ok := text(value); !ok || !re.MatchString(s) {
				return bad(field+"."+name, "does not match "+re.String())
			}
		}
		return nil
	}
	oneOf := func(field string, m map[string]any, name string, values ...string) *refusal {
		if value := m[name]; value != nil {
			s, _ := text(value)
			for _, allowed := range values {
				if s == allowed {
					return nil
				}
			}
			return bad(field+"."+name, "not one of the documented values")
		}
		return nil
	}
	first := func(faults ...*refusal) *refusal {
		for _, f := range faults {
			if f != nil {
				return f
			}
		}
		return nil
	}
	if fault := first(matching("verification", v, "callback", absoluteURI), matching("verification", v, "hostAppLink", absoluteURI),
		matching("verification", v, "endUserId", anyCaseUUID)); fault != nil {
		return fault
	}
	if tag := v["tag"]; tag != nil {
		if s, ok := text(tag); !ok || utf8.RuneCountInString(s) > 64 {
			return bad("tag", "a string of at most 64 characters")
		}
	}
	if data := v["vendorData"]; data != nil {
		if s, ok := text(data); ok && utf8.RuneCountInString(s) > 1000 {
			return refuse(400, 1500, "vendorData: more than 1,000 characters")
		} else if !ok && !integer(data) {
			return bad("vendorData", "a string or an integer")
		}
	}
	person, fault := object("person", v["person"])
	if fault != nil {
		return fault
	}
	if person != nil {
		if fault := first(
			texts("person", person, "firstName", "lastName", "middleName", "secondLastName", "fullName", "phoneNumber",
				"landlinePhoneNumber", "email", "gender", "occupation", "partnerFirstName", "partnerLastName"),
			textOrInteger("person", person, "idNumber"), date("person", person, "dateOfBirth", "marriageDate"),
			oneOf("person", person, "maritalStatus", "single", "married", "divorced", "widowed"),
		); fault != nil {
			return fault
		}
		if deceased := person["isDeceased"]; deceased != nil {
			if _, ok := deceased.(bool); !ok {
				return bad("person.isDeceased", "not a boolean")
			}
		}
	}
	document, fault := object("document", v["document"])
	if fault != nil {
		return fault
	}
	if document != nil {
		if fault := first(
			matching("document", document, "number", alnum), matching("document", document, "country", cc),
			matching("document", document, "idCardType", letter),
			oneOf("document", document, "type", "PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA"),
			date("document", document, "firstIssue", "issueDate", "expiryDate"),
			texts("document", document, "version", "category", "uniqueNumber", "issuingState", "referenceNumber", "registrationNumber"),
		); fault != nil {
			return fault
		}
		identifiers, fault := object("document.documentNumberIdentifiers", document["documentNumberIdentifiers"])
		if fault != nil {
			return fault
		}
		if identifiers != nil {
			if fault := textOrInteger("document.documentNumberIdentifiers", identifiers, "mxIne", "mxIfe"); fault != nil {
				return fault
			}
		}
	}
	address, fault := object("address", v["address"])
	if fault != nil {
		return fault
	}
	if address != nil {
		if fault := texts("address", address, "fullAddress", "street", "houseNumber", "postalCode", "city", "state",
			"unit", "neighbourhood"); fault != nil {
			return fault
		}
	}
	coverage, fault := object("serviceCoverage", v["serviceCoverage"])
	if fault != nil {
		return fault
	}
	if coverage != nil {
		if fault := matching("serviceCoverage", coverage, "country", cc); fault != nil {
			return fault
		}
	}
	proof, fault := object("proofOfAddress", v["proofOfAddress"])
	if fault != nil {
		return fault
	}
	if proof != nil && proof["acceptableTypes"] != nil {
		types, ok := proof["acceptableTypes"].([]any)
		if !ok {
			return bad("proofOfAddress.acceptableTypes", "not an array")
		}
		for _, item := range types {
			kind, fault := object("proofOfAddress.acceptableTypes[]", item)
			if fault != nil {
				return fault
			}
			if kind == nil || kind["name"] == nil {
				return refuse(400, 1102, "proofOfAddress.acceptableTypes[]: name is missing")
			}
			if fault := texts("proofOfAddress.acceptableTypes[]", kind, "name"); fault != nil {
				return fault
			}
		}
	}
	if v["consents"] != nil {
		consents, ok := v["consents"].([]any)
		if !ok {
			return bad("consents", "not an array")
		}
		for _, item := range consents {
			consent, fault := object("consents[]", item)
			if fault != nil {
				return fault
			}
			if consent == nil {
				continue
			}
			if fault := texts("consents[]", consent, "type", "text"); fault != nil {
				return fault
			}
			approved, isBool := consent["approved"].(bool)
			if consent["approved"] != nil && !isBool {
				return bad("consents[].approved", "not a boolean")
			}
			if stamp := consent["timestamp"]; stamp != nil {
				s, ok := text(stamp)
				if _, err := time.Parse(time.RFC3339Nano, s); !ok || !utcRe.MatchString(s) || err != nil {
					return bad("consents[].timestamp", "not an ISO 8601 date and time in UTC")
				}
			}
			if consent["type"] == "eid" && approved && consent["text"] == nil {
				return refuse(400, 1102, "an approved eid consent needs its text")
			}
		}
	}
	return nil
}
