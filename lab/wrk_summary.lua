-- wrk script for `python -m lab bench`: at the end of a run, print one JSON line that the
-- bench parses, so it never has to read wrk's human-readable report.
-- No request() or response() hook: those run Lua per request and would slow wrk down.

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "non_2xx": %d, ' ..
      '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
      '"latency_us": {"p50": %d, "p99": %d}}\n',
      summary.requests, summary.duration, errors.status,
      errors.connect, errors.read, errors.write, errors.timeout,
      latency:percentile(50), latency:percentile(99)
   ))
end
