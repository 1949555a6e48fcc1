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
  // env: "" for the latest registrations, else the graph as deployed there
  graph: (env) => api.json("GET", "/v1/graph" + (env ? "?environment=" + seg(env) : "")),
  graphText: (format, env) => request("GET", "/v1/graph?format=" + seg(format) + (env ? "&environment=" + seg(env) : "")),
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
  environments: () => api.json("GET", "/v1/environments"),
  deployments: (env) => api.json("GET", `/v1/environments/${seg(env)}/deployments`),
  serviceVersions: (name) => api.json("GET", `/v1/services/${seg(name)}/versions`),
  canIDeploy: (environment, services) => api.json("POST", "/v1/can-i-deploy", { environment, services }),
};
