// Every failure the client reports is a TesseraError: the problem+json `code` when Tessera sent
// one, a code of the client's own otherwise (network_error, bad_response, http_<status>,
// invalid_base_url, signed_out), the HTTP status (0 when no answer came), Tessera's `detail`,
// and `retryAfter` (seconds) for 429 and 503.
export class TesseraError extends Error {
  constructor({ status = 0, code = 'network_error', detail = '', retryAfter = null, problem = null, cause } = {}) {
    super(detail ? `${code}: ${detail}` : code, cause === undefined ? undefined : { cause });
    this.name = 'TesseraError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
    // The whole problem body when there was one (mfa_required carries mfa_ticket and methods;
    // weak_password carries reasons).
    this.problem = problem;
  }
}

// Seconds from a Retry-After header (delta-seconds or an HTTP date), or null.
export function retryAfterOf(headers) {
  const v = headers.get('retry-after');
  if (v === null) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, Math.round((at - Date.now()) / 1000)) : null;
}

// The body of a response as JSON when it says it is JSON and parses; null otherwise (an HTML
// page from a proxy, an empty body, garbage).
export async function jsonOf(res) {
  const type = res.headers.get('content-type') ?? '';
  if (!/^application\/(problem\+)?json\b/i.test(type)) return null;
  try {
    return await res.json();
  } catch {
    return null;
  }
}

// The TesseraError for a response that is not a success.
export async function errorOf(res) {
  const p = await jsonOf(res);
  const problem = p && typeof p === 'object' && typeof p.code === 'string' ? p : null;
  return new TesseraError({
    status: res.status,
    code: problem ? problem.code : `http_${res.status}`,
    detail: problem && typeof problem.detail === 'string' ? problem.detail : '',
    retryAfter: res.status === 429 || res.status === 503 ? retryAfterOf(res.headers) : null,
    problem,
  });
}
