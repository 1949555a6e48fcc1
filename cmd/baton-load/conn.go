package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection that sends a request and
// reads its answer with as little work as possible: on a 2-core machine
// the load generator shares the CPU with the server it measures, and
// net/http's client costs about as much per request as the server does.
// Answers carry Content-Length (Baton's always do) or come chunked (other
// registries' larger answers, compared against in scripts/bench-http.sh).
type conn struct {
	addr   string // host:port to dial
	host   string // Host header
	prefix string // path prefix of the base URL
	c      atomic.Pointer[net.Conn]
	r      *bufio.Reader
	w      *bufio.Writer
	body   []byte
}

func newConn(addr, host, prefix string) *conn {
	return &conn{addr: addr, host: host, prefix: prefix}
}

// interrupt makes a blocked request return at once (the run was stopped).
func (c *conn) interrupt() {
	if nc := c.c.Load(); nc != nil {
		(*nc).SetDeadline(time.Unix(1, 0))
	}
}

func (c *conn) close() {
	if nc := c.c.Swap(nil); nc != nil {
		(*nc).Close()
	}
}

// do sends req and returns the status and body (valid until the next call).
func (c *conn) do(ctx context.Context, req request) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	nc := c.c.Load()
	if nc == nil {
		d := net.Dialer{Timeout: 5 * time.Second}
		fresh, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, nil, err
		}
		nc = &fresh
		c.c.Store(nc)
		if c.r == nil {
			c.r, c.w = bufio.NewReaderSize(fresh, 64<<10), bufio.NewWriterSize(fresh, 64<<10)
		} else {
			c.r.Reset(fresh)
			c.w.Reset(fresh)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	(*nc).SetDeadline(deadline)
	status, body, keep, err := c.roundTrip(req)
	if err != nil || !keep {
		c.close()
	}
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return status, body, err
}

func (c *conn) roundTrip(req request) (status int, body []byte, keep bool, err error) {
	w := c.w
	w.WriteString(req.method)
	w.WriteByte(' ')
	w.WriteString(c.prefix)
	w.WriteString(req.path)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(c.host)
	w.WriteString("\r\nAccept: application/vnd.schemaregistry.v1+json\r\n")
	if req.body != nil {
		w.WriteString("Content-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: ")
		w.WriteString(strconv.Itoa(len(req.body)))
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	w.Write(req.body)
	if err := w.Flush(); err != nil {
		return 0, nil, false, err
	}

	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, keep, chunked := -1, line[7] == '1', false
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, nil, false, fmt.Errorf("bad header %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
			if !chunked {
				return 0, nil, false, fmt.Errorf("unsupported Transfer-Encoding %q", value)
			}
		}
	}
	if chunked {
		body, err := c.readChunked()
		return status, body, keep, err
	}
	if length < 0 {
		return 0, nil, false, errors.New("answer without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := io.ReadFull(c.r, c.body); err != nil {
		return 0, nil, false, err
	}
	return status, c.body, keep, nil
}

// maxChunkedBody bounds a chunked answer: the load tool reads answers of a
// few kilobytes, and a runaway stream must not eat the machine's memory.
const maxChunkedBody = 16 << 20

// readChunked reads a chunked body (RFC 9112, section 7.1) into c.body;
// chunk extensions and trailers are read and ignored.
func (c *conn) readChunked() ([]byte, error) {
	c.body = c.body[:0]
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 || int64(len(c.body))+n > maxChunkedBody {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			break
		}
		start := len(c.body)
		c.body = append(c.body, make([]byte, n)...)
		if _, err := io.ReadFull(c.r, c.body[start:]); err != nil {
			return nil, err
		}
		if crlf, err := c.r.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return nil, fmt.Errorf("chunk not followed by CRLF")
		}
	}
	for { // trailers, up to the empty line
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return c.body, nil
		}
	}
}
