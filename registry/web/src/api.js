// The JSON API of the same server (relative URLs: the UI lives at /ui/).

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch("../" + path.replace(/^\//, ""), init);
  } catch (e) {
    throw new APIError(0, 0, "cannot reach the registry: " + e.message);
  }
  const text = await resp.text();
  if (!resp.ok) {
    let msg = text, code = resp.status;
    try {
      const e = JSON.parse(text);
      msg = e.message || text;
      code = e.error_code || code;
    } catch {
      // not JSON: keep the text
    }
    throw new APIError(resp.status, code, `${msg} (HTTP ${resp.status}, error ${code})`);
  }
  return text;
}

const seg = encodeURIComponent;

export const api = {
  async json(method, path, body) {
    return JSON.parse(await request(method, path, body));
  },
  graph: () => api.json("GET", "/v1/graph"),
  graphText: (format) => request("GET", "/v1/graph?format=" + seg(format)),
  service: (name) => api.json("GET", "/v1/services/" + seg(name)),
  subjects: () => api.json("GET", "/subjects"),
  versions: (subject) => api.json("GET", `/subjects/${seg(subject)}/versions`),
  version: (subject, v) => api.json("GET", `/subjects/${seg(subject)}/versions/${seg(String(v))}`),
  relations: (subject) => api.json("GET", `/v1/subjects/${seg(subject)}/relations`),
  diff: (subject, from, to, mode) => {
    const q = new URLSearchParams({ from: String(from), to: String(to) });
    if (mode) q.set("mode", mode);
    return api.json("GET", `/v1/subjects/${seg(subject)}/diff?${q}`);
  },
  impact: (subject, schema) => api.json("POST", "/v1/impact", { subject, schema }),
};
