package asyncapi

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/manifest"
)

// rel is a relation as a test states it: role, subject, and the payload
// (compact JSON, "" for none) or a pinned version.
type rel struct {
	Role    string
	Name    string
	Subject string
	Payload string
	Pin     int
}

func compact(t *testing.T, text string) string {
	t.Helper()
	if text == "" {
		return ""
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, text)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func relations(t *testing.T, m *manifest.Manifest) []rel {
	t.Helper()
	var out []rel
	for _, o := range m.Produces {
		out = append(out, rel{"produces", o.Name, o.Subject, compact(t, o.Text), 0})
	}
	for _, d := range m.Consumes {
		out = append(out, rel{"consumes", d.Name, d.Subject, compact(t, d.Text), d.Version})
	}
	for _, o := range m.Handles {
		out = append(out, rel{"handles", o.Name, o.Subject, compact(t, o.Text), 0})
	}
	for _, d := range m.Sends {
		out = append(out, rel{"sends", d.Name, d.Subject, compact(t, d.Text), d.Version})
	}
	return out
}

// relationSet is relations in a fixed order: the registry keeps a
// service's relations sorted, not in document order.
func relationSet(t *testing.T, m *manifest.Manifest) []rel {
	t.Helper()
	out := relations(t, m)
	slices.SortFunc(out, func(a, b rel) int { return strings.Compare(a.Role+" "+a.Subject, b.Role+" "+b.Subject) })
	return out
}

const v3Shop = `asyncapi: 3.0.0
info:
  title: order
  version: 1.0.0
  contact: {name: team-orders}
channels:
  orders:
    address: orders
    messages:
      OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}
      OrderCancelled:
        payload: {type: object, properties: {orderId: {type: string}}}
  shipping:
    address: shipping
    messages:
      OrderShipped: {$ref: '#/components/messages/OrderShipped'}
  commands:
    address: commands.charge
    messages:
      charge: {$ref: '#/components/messages/Charge'}
operations:
  publishOrders:
    action: send
    channel: {$ref: '#/channels/orders'}
  republishPlaced:
    action: send
    channel: {$ref: '#/channels/orders'}
    messages: [{$ref: '#/channels/orders/messages/OrderPlaced'}]
  onShipped:
    action: receive
    channel: {$ref: '#/channels/shipping'}
    messages: [{$ref: '#/channels/shipping/messages/OrderShipped'}]
  charge:
    action: send
    channel: {$ref: '#/channels/commands'}
    x-baton-kind: command
components:
  schemas:
    Money:
      type: object
      required: [amount]
      properties: {amount: {type: number}, currency: {type: string, example: EUR}}
  messages:
    OrderPlaced:
      payload:
        type: object
        discriminator: kind
        externalDocs: {url: 'https://example.com'}
        deprecated: false
        properties:
          orderId: {type: string}
          total: {$ref: '#/components/schemas/Money'}
    OrderShipped:
      name: OrderShipped
      x-baton-subject: shipping.OrderShipped
      payload: {type: object, properties: {orderId: {type: string}}}
    Charge:
      name: ChargePayment
      payload:
        schemaFormat: application/schema+json;version=2020-12
        schema: {type: object, properties: {amount: {$ref: '#/components/schemas/Money'}}}
`

const v3ShopWant = `[
 {"Role":"produces","Name":"OrderPlaced","Subject":"OrderPlaced","Payload":{"type":"object","discriminator":"kind","externalDocs":{"url":"https://example.com"},"deprecated":false,"properties":{"orderId":{"type":"string"},"total":{"type":"object","required":["amount"],"properties":{"amount":{"type":"number"},"currency":{"type":"string","example":"EUR"}}}}}},
 {"Role":"produces","Name":"OrderCancelled","Subject":"OrderCancelled","Payload":{"type":"object","properties":{"orderId":{"type":"string"}}}},
 {"Role":"consumes","Name":"OrderShipped","Subject":"shipping.OrderShipped","Payload":{"type":"object","properties":{"orderId":{"type":"string"}}}},
 {"Role":"sends","Name":"ChargePayment","Subject":"ChargePayment","Payload":{"type":"object","properties":{"amount":{"type":"object","required":["amount"],"properties":{"amount":{"type":"number"},"currency":{"type":"string","example":"EUR"}}}},"$schema":"https://json-schema.org/draft/2020-12/schema"}}
]`

// The same estate in 2.6 (subscribe = the application sends), as JSON.
const v2ShopJSON = `{
 "asyncapi": "2.6.0",
 "info": {"title": "Order Service", "version": "1", "x-baton-service": "order", "x-baton-owner": "team-orders"},
 "channels": {
  "orders": {"subscribe": {"operationId": "pub", "message": {"oneOf": [
    {"$ref": "#/components/messages/OrderPlaced"},
    {"name": "OrderCancelled", "payload": {"type": "object", "properties": {"orderId": {"type": "string"}}}}]}}},
  "orders/again": {"subscribe": {"message": {"$ref": "#/components/messages/OrderPlaced"}}},
  "shipping": {"publish": {"message": {"$ref": "#/components/messages/OrderShipped"}}},
  "commands.charge": {"subscribe": {"tags": [{"name": "command"}], "message": {"$ref": "#/components/messages/Charge"}}}
 },
 "components": {
  "schemas": {"Money": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "number"}, "currency": {"type": "string", "example": "EUR"}}}},
  "messages": {
   "OrderPlaced": {"payload": {"type": "object", "discriminator": "kind", "externalDocs": {"url": "https://example.com"}, "deprecated": false,
      "properties": {"orderId": {"type": "string"}, "total": {"$ref": "#/components/schemas/Money"}}}},
   "OrderShipped": {"name": "OrderShipped", "x-baton-subject": "shipping.OrderShipped", "payload": {"type": "object", "properties": {"orderId": {"type": "string"}}}},
   "Charge": {"messageId": "ChargePayment", "schemaFormat": "application/schema+json;version=2020-12",
      "payload": {"type": "object", "properties": {"amount": {"$ref": "#/components/schemas/Money"}}}}
  }
 }
}`

func TestParseShapes(t *testing.T) {
	var want []rel
	var raw []map[string]any
	if err := json.Unmarshal([]byte(v3ShopWant), &raw); err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		pl, _ := json.Marshal(r["Payload"])
		want = append(want, rel{Role: r["Role"].(string), Name: r["Name"].(string), Subject: r["Subject"].(string), Payload: compact(t, string(pl))})
	}
	for _, tc := range []struct {
		name string
		doc  string
	}{
		{"3.0 yaml", v3Shop},
		{"2.6 json", v2ShopJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse("svc.yaml", []byte(tc.doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Service != "order" || m.Owner != "team-orders" {
				t.Errorf("service %q owner %q, want order, team-orders", m.Service, m.Owner)
			}
			got := relations(t, m)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("relations\n got %s\nwant %s", g, w)
			}
		})
	}
}

// 3.0 request/reply: the service receives the request and sends the
// reply; a command tag on the message makes the request a command.
func TestParseReply(t *testing.T) {
	doc := `asyncapi: 3.0.1
info: {title: stock, version: '1'}
channels:
  reserve:
    messages:
      ReserveInventory:
        tags: [{name: command}]
        payload: {type: object}
  reserved:
    messages:
      StockReserved: {payload: {type: object, required: [ok]}}
operations:
  reserve:
    action: receive
    channel: {$ref: '#/channels/reserve'}
    reply:
      channel: {$ref: '#/channels/reserved'}
`
	m, err := Parse("stock.yaml", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := relations(t, m)
	want := []rel{
		{"produces", "StockReserved", "StockReserved", `{"required":["ok"],"type":"object"}`, 0},
		{"handles", "ReserveInventory", "ReserveInventory", `{"type":"object"}`, 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseRefusals(t *testing.T) {
	head3 := "asyncapi: 3.0.0\ninfo: {title: svc, version: '1'}\n"
	for _, tc := range []struct {
		name, doc, field string
		line             int
		msg              string
	}{
		{"avro payload", head3 + `channels:
  c:
    messages:
      Placed:
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema: {type: record, name: Placed, fields: []}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
`, "#/channels/c/messages/Placed/payload/schemaFormat", 8, `message Placed: payload format "application/vnd.apache.avro;version=1.9.0" is not supported`},
		{"2.6 protobuf", `asyncapi: 2.6.0
info: {title: svc, version: '1'}
channels:
  c:
    subscribe:
      message: {name: Placed, schemaFormat: application/vnd.google.protobuf;version=3, payload: 'message Placed {}'}
`, "#/channels/c/subscribe/message/schemaFormat", 6, `message Placed: payload format "application/vnd.google.protobuf;version=3"`},
		{"remote ref", head3 + `channels:
  c:
    messages:
      Placed: {payload: {$ref: 'https://example.com/schemas/placed.json'}}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
`, "#/channels/c/messages/Placed/payload/$ref", 6, `remote $ref "https://example.com/schemas/placed.json" refused`},
		{"file ref on the server", head3 + `channels:
  c:
    messages:
      Placed: {payload: {$ref: 'schemas/placed.json'}}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
`, "#/channels/c/messages/Placed/payload/$ref", 6, `the registry never reads files`},
		{"dangling ref", head3 + `operations:
  o: {action: send, channel: {$ref: '#/channels/nope'}}
`, "#/operations/o/channel/$ref", 4, `nothing at /channels`},
		{"bad action", head3 + `operations:
  o: {action: publish}
`, "#/operations/o/action", 4, `action must be send or receive`},
		{"owned without payload", head3 + `channels:
  c: {messages: {Placed: {name: Placed}}}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
`, "#/channels/c/messages/Placed", 4, `has no payload`},
		{"bad service name", "asyncapi: 3.0.0\ninfo: {title: Order Service, version: '1'}\n", "#/info/title", 2, `set x-baton-service`},
		{"unsupported version", "asyncapi: 1.2.0\ninfo: {title: svc, version: '1'}\n", "#/asyncapi", 1, `not supported`},
		{"ref cycle", head3 + `channels:
  a: {$ref: '#/channels/b'}
  b: {$ref: '#/channels/a'}
operations:
  o: {action: send, channel: {$ref: '#/channels/a'}}
`, "", 0, `cycle`},
		{"conflicting shared message", head3 + `channels:
  a: {messages: {M: {payload: {type: string}}}}
  b: {messages: {M: {payload: {type: number}}}}
operations:
  o1: {action: send, channel: {$ref: '#/channels/a'}}
  o2: {action: send, channel: {$ref: '#/channels/b'}}
`, "#/channels/b/messages/M/payload", 5, `produces M twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("svc.yaml", []byte(tc.doc), Options{})
			var me *manifest.Error
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a *manifest.Error", err)
			}
			if !strings.Contains(me.Msg, tc.msg) || (tc.field != "" && me.Field != tc.field) || (tc.line != 0 && me.Line != tc.line) {
				t.Errorf("err = %q (field %q line %d), want field %q line %d and %q", err, me.Field, me.Line, tc.field, tc.line, tc.msg)
			}
		})
	}
}

// A recursive schema keeps its recursion through definitions.
func TestParseRecursivePayload(t *testing.T) {
	doc := `asyncapi: 3.0.0
info: {title: svc, version: '1'}
channels:
  c: {messages: {Tree: {payload: {type: object, properties: {root: {$ref: '#/components/schemas/Node'}}}}}}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
components:
  schemas:
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
`
	m, err := Parse("svc.yaml", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"root":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/definitions/Node"}}}}},` +
		`"definitions":{"Node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/definitions/Node"}}}}}}`
	if got := compact(t, m.Produces[0].Text); got != compact(t, want) {
		t.Errorf("payload\n got %s\nwant %s", got, compact(t, want))
	}
}

// Load resolves $refs to local files relative to the document, and keeps
// them inside the root.
func TestLoadFileRefs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("svc/asyncapi.yaml", `asyncapi: 3.0.0
info: {title: svc, version: '1'}
channels:
  c: {messages: {Placed: {$ref: 'messages.yaml#/Placed'}}}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
`)
	write("svc/messages.yaml", "Placed:\n  payload: {$ref: 'schemas/placed.json'}\n")
	write("svc/schemas/placed.json", `{"type": "object", "properties": {"id": {"$ref": "#/definitions/id"}}, "definitions": {"id": {"type": "string"}}}`)
	m, err := Load(filepath.Join(dir, "svc/asyncapi.yaml"), manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"id":{"type":"string"}},"definitions":{"id":{"type":"string"}}}`
	if got := compact(t, m.Produces[0].Text); got != compact(t, want) {
		t.Errorf("payload\n got %s\nwant %s", got, want)
	}
	write("svc/escape.yaml", `asyncapi: 3.0.0
info: {title: svc, version: '1'}
channels:
  c: {messages: {Placed: {payload: {$ref: '../outside.json'}}}}
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}}
`)
	write("outside.json", `{}`)
	if _, err := Load(filepath.Join(dir, "svc/escape.yaml"), manifest.Options{}); err == nil || !strings.Contains(err.Error(), "leads outside") {
		t.Errorf("a $ref leaving the root: err = %v, want it refused", err)
	}
}

func TestIs(t *testing.T) {
	for doc, want := range map[string]bool{
		v3Shop:                       true,
		v2ShopJSON:                   true,
		"service: order\nowner: x\n": false,
		"{not yaml":                  false,
	} {
		if got := Is([]byte(doc)); got != want {
			t.Errorf("Is(%.30q) = %v, want %v", doc, got, want)
		}
	}
}
