package payouttest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payoutkit/payout/money"
)

var (
	payosRecipientPhone = regexp.MustCompile(`^254[17][0-9]{8}$`)
	payosSenderPhone    = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)
	payosAlpha3         = regexp.MustCompile(`^[A-Z]{3}$`)
	payosDate           = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// payosRequest is a validated initiate request.
type payosRequest struct {
	reference, phone, name string
	amount                 money.Amount
}

// payosValidator collects class-validator style messages.
type payosValidator struct{ msgs []string }

func (v *payosValidator) fail(format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}

// object reads a nested object; a required one that is missing is
// reported.
func (v *payosValidator) object(m map[string]json.RawMessage, path, key string, required bool) map[string]json.RawMessage {
	raw, ok := sandboxField(m, key)
	if !ok {
		if required {
			v.fail("%s should not be empty", path)
		}
		return nil
	}
	o, ok := sandboxObject(raw)
	if !ok {
		v.fail("%s must be an object", path)
	}
	return o
}

// str reads a string field; oneOf, when given, lists the allowed values.
func (v *payosValidator) str(m map[string]json.RawMessage, path, key string, required bool, oneOf ...string) string {
	raw, ok := sandboxField(m, key)
	if !ok {
		if required {
			v.fail("%s should not be empty", path)
		}
		return ""
	}
	s, ok := sandboxString(raw)
	switch {
	case !ok:
		v.fail("%s must be a string", path)
	case s == "" && required:
		v.fail("%s should not be empty", path)
	case utf8.RuneCountInString(s) > 255:
		v.fail("%s must be shorter than or equal to 255 characters", path)
	case len(oneOf) > 0 && !payosOneOf(s, oneOf):
		v.fail("%s must be one of the following values: %s", path, strings.Join(oneOf, ", "))
	}
	return s
}

func payosOneOf(s string, values []string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}

// parse validates an initiate body as PayOS documents it and returns the
// list of messages a NestJS ValidationPipe would.
func (p *payosState) parse(body []byte) (payosRequest, []string) {
	m, ok := sandboxObject(body)
	if !ok {
		return payosRequest{}, []string{"request body must be a JSON object"}
	}
	var v payosValidator
	var req payosRequest
	if id := v.str(m, "merchantId", "merchantId", true); id != "" && id != p.s.cfg.payosMerchant {
		v.fail("merchantId must match the authenticated merchant")
	}
	req.reference = v.str(m, "merchantReference", "merchantReference", true)
	if dv := v.object(m, "destinationValue", "destinationValue", true); dv != nil {
		if raw, ok := sandboxField(dv, "minorAmount"); !ok {
			v.fail("destinationValue.minorAmount should not be empty")
		} else if n, ok := sandboxNumber(raw); !ok {
			v.fail("destinationValue.minorAmount must be an integer number")
		} else if i, err := n.Int64(); err != nil {
			v.fail("destinationValue.minorAmount must be an integer number")
		} else if i < 1000 {
			v.fail("destinationValue.minorAmount must not be less than 1000")
		} else if i > 15_000_000 {
			v.fail("destinationValue.minorAmount must not be greater than 15000000")
		} else {
			req.amount = money.New(i, money.KES)
		}
		v.str(dv, "destinationValue.currency", "currency", true, "KES")
	}
	v.str(m, "paymentMethodId", "paymentMethodId", true, "mobilemoney")
	v.str(m, "paymentLocation", "paymentLocation", true, "KEN")
	v.object(m, "attributes", "attributes", false)
	if rc := v.object(m, "recipient", "recipient", true); rc != nil {
		v.str(rc, "recipient.type", "type", true, "mobile_money")
		v.str(rc, "recipient.operator", "operator", true, "mpesa", "airtel")
		v.str(rc, "recipient.country", "country", true, "KEN")
		req.name = v.str(rc, "recipient.name", "name", false)
		if ph := v.str(rc, "recipient.phoneNumber", "phoneNumber", true); ph != "" && !payosRecipientPhone.MatchString(ph) {
			v.fail("recipient.phoneNumber must match /^254(7|1)\\d{8}$/ regular expression")
		} else {
			req.phone = ph
		}
	}
	if sd := v.object(m, "sender", "sender", true); sd != nil {
		v.str(sd, "sender.fullName", "fullName", true)
		if ph := v.str(sd, "sender.phoneNumber", "phoneNumber", true); ph != "" && !payosSenderPhone.MatchString(ph) {
			v.fail("sender.phoneNumber must be a valid phone number")
		}
		if n := v.str(sd, "sender.nationality", "nationality", false); n != "" && !payosAlpha3.MatchString(n) {
			v.fail("sender.nationality must be a valid ISO 3166-1 alpha-3 country code")
		}
		v.str(sd, "sender.identity", "identity", true, "passport", "government issued id", "company registration number")
		v.str(sd, "sender.identityNumber", "identityNumber", true)
		if d := v.str(sd, "sender.dateOfBirth", "dateOfBirth", true); d != "" {
			if _, err := time.Parse(time.DateOnly, d); err != nil || !payosDate.MatchString(d) {
				v.fail("sender.dateOfBirth must be a valid date in the format YYYY-MM-DD")
			}
		}
		v.str(sd, "sender.purposeOfFunds", "purposeOfFunds", true)
		v.str(sd, "sender.sourceOfFunds", "sourceOfFunds", true)
		v.str(sd, "sender.relationship", "relationship", true)
	}
	return req, v.msgs
}
