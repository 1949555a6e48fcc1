package asyncapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/registry"
)

// Versions and Formats are what Export writes.
var (
	Versions = []string{"3.0.0", "2.6.0"}
	Formats  = []string{"yaml", "json"}
)

// Export renders a service as an AsyncAPI document of version (3.0.0 or
// 2.6.0, "" = 3.0.0) in format (yaml or json, "" = yaml). Each message
// carries x-baton-kind, x-baton-subject, x-baton-owner (the service owning
// its schema) and x-baton-version; Parse reads the document back into the
// same relations.
func Export(se registry.ServiceExport, version, format string) ([]byte, error) {
	if version == "" {
		version = Versions[0]
	}
	if format == "" {
		format = Formats[0]
	}
	if version != "3.0.0" && version != "2.6.0" {
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "AsyncAPI version must be 3.0.0 or 2.6.0, not %q", version)
	}
	if format != "yaml" && format != "json" {
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "format must be yaml or json, not %q", format)
	}
	doc, err := document3or2(se, version)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if format == "json" {
		if err := writeJSON(&buf, doc, "", "  "); err != nil {
			return nil, err
		}
		buf.WriteByte('\n')
		return buf.Bytes(), nil
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func num(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

// object builds a mapping from key, value pairs.
func object(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}

func set(m *yaml.Node, k string, v *yaml.Node) { m.Content = append(m.Content, str(k), v) }

func ref(ptr string) *yaml.Node { return object("$ref", str(ptr)) }

// exported is one message of the document being written.
type exported struct {
	registry.ExportedMessage
	name    string // the message's name (its subject unless the manifest named it)
	key     string // components/messages key
	channel string // channels key
	send    bool
}

func document3or2(se registry.ServiceExport, version string) (*yaml.Node, error) {
	svc := se.Service
	info := object("title", str(svc.Name), "version", str("1.0.0"),
		"description", str(fmt.Sprintf("The %s service as registered in Baton.", svc.Name)))
	if svc.Owner != "" {
		set(info, "contact", object("name", str(svc.Owner)))
		set(info, "x-baton-owner", str(svc.Owner))
	}
	set(info, "x-baton-service", str(svc.Name))

	msgs := make([]exported, 0, len(se.Messages))
	keys := map[string]bool{}
	var channels []string
	seenCh := map[string]bool{}
	for _, m := range se.Messages {
		name := m.Relation.Name
		if name == "" {
			name = m.Relation.Subject
		}
		k := name
		if keys[k] {
			k = name + "_" + string(m.Relation.Kind)
		}
		keys[k] = true
		ch := m.Relation.Subject
		if !seenCh[ch] {
			seenCh[ch] = true
			channels = append(channels, ch)
		}
		msgs = append(msgs, exported{ExportedMessage: m, name: name, key: k, channel: ch,
			send: m.Relation.Kind == registry.Produces || m.Relation.Kind == registry.Sends})
	}

	components := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, m := range msgs {
		node, err := messageNode(m, version)
		if err != nil {
			return nil, err
		}
		set(components, m.key, node)
	}
	doc := object("asyncapi", str(version), "info", info)
	chNodes := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if version == "3.0.0" {
		ops := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, ch := range channels {
			cm := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for _, m := range msgs {
				if m.channel == ch {
					set(cm, m.key, ref("#/components/messages/"+escape(m.key)))
				}
			}
			set(chNodes, ch, object("address", str(ch), "messages", cm))
		}
		for _, m := range msgs {
			action := "receive"
			if m.send {
				action = "send"
			}
			list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{
				ref("#/channels/" + escape(m.channel) + "/messages/" + escape(m.key))}}
			set(ops, string(m.Relation.Kind)+"_"+m.key, object("action", str(action),
				"channel", ref("#/channels/"+escape(m.channel)), "messages", list))
		}
		set(doc, "channels", chNodes)
		set(doc, "operations", ops)
	} else {
		for _, ch := range channels {
			item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			// 2.x: subscribe is what this application sends.
			for _, o := range []struct {
				key  string
				send bool
			}{{"subscribe", true}, {"publish", false}} {
				var refs []*yaml.Node
				var ids []string
				for _, m := range msgs {
					if m.channel == ch && m.send == o.send {
						refs = append(refs, ref("#/components/messages/"+escape(m.key)))
						ids = append(ids, string(m.Relation.Kind)+"_"+m.key)
					}
				}
				if len(refs) == 0 {
					continue
				}
				message := refs[0]
				if len(refs) > 1 {
					message = object("oneOf", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: refs})
				}
				set(item, o.key, object("operationId", str(strings.Join(ids, "_and_")), "message", message))
			}
			set(chNodes, ch, item)
		}
		set(doc, "channels", chNodes)
	}
	set(doc, "components", object("messages", components))
	return doc, nil
}

// messageNode is a components/messages entry: the payload in the format
// its dialect says, and Baton's extensions.
func messageNode(m exported, version string) (*yaml.Node, error) {
	n := object("name", str(m.name), "contentType", str("application/json"))
	if m.Payload != "" {
		var schema yaml.Node
		if err := yaml.Unmarshal([]byte(m.Payload), &schema); err != nil {
			return nil, registry.Errorf(registry.KindInternal, 50001, "stored payload of %s does not decode: %v", m.Relation.Subject, err)
		}
		body := schema.Content[0]
		blockStyle(body)
		format := payloadFormat(body)
		switch {
		case format == "":
			set(n, "payload", body)
		case version == "3.0.0":
			set(n, "payload", object("schemaFormat", str(format), "schema", body))
		default:
			set(n, "schemaFormat", str(format))
			set(n, "payload", body)
		}
	}
	set(n, "x-baton-kind", str(string(m.Kind)))
	set(n, "x-baton-subject", str(m.Relation.Subject))
	if m.Owner != "" {
		set(n, "x-baton-owner", str(m.Owner))
	}
	if m.Version > 0 {
		set(n, "x-baton-version", num(m.Version))
	}
	if m.Relation.Pinned && m.Relation.Version > 0 {
		set(n, "x-baton-pinned-version", num(m.Relation.Version))
	}
	if m.Kind == registry.Command {
		set(n, "tags", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{object("name", str("command"))}})
	}
	return n, nil
}

// blockStyle drops the JSON layout (flow mappings, quoted keys) a stored
// schema decodes with, so a YAML export reads as YAML; the encoder still
// quotes any string that would otherwise read as another type.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// payloadFormat is the schemaFormat a registered schema needs: "" (the
// default AsyncAPI Schema Object, a draft-07 superset) unless its $schema
// names a later draft.
func payloadFormat(schema *yaml.Node) string {
	d := get(schema, "$schema")
	if d == nil {
		return ""
	}
	if strings.Contains(d.Value, "2020-12") || strings.Contains(d.Value, "2019-09") {
		return "application/schema+json;version=2020-12"
	}
	return ""
}

// writeJSON writes a YAML node tree as JSON, keeping its key order.
func writeJSON(buf *bytes.Buffer, n *yaml.Node, prefix, indent string) error {
	var flat bytes.Buffer
	if err := flatJSON(&flat, n); err != nil {
		return err
	}
	return json.Indent(buf, flat.Bytes(), prefix, indent)
}

func flatJSON(buf *bytes.Buffer, n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return flatJSON(buf, n.Content[0])
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, n.Content[i].Value)
			buf.WriteByte(':')
			if err := flatJSON(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := flatJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		s, err := scalarJSON(n)
		if err != nil {
			return err
		}
		buf.WriteString(s)
	}
	return nil
}
