-- A mix of good and bad requests across every route, for wrk. Counts responses by
-- status class per thread; done() prints the totals the soak script checks.
local reqs = {
  {"POST", "/activate", '{"activation":"gelu","x":[[-2,0.5,1],[0,3,-1]],"outputs":["y","dy_dx","d2y_dx2"]}'},
  {"POST", "/activate", '{"activation":"softmax","x":[[1,2,3],[4,5,6]],"outputs":["y","jacobian"],"grad_y":[[1,0,0],[0,1,0]]}'},
  {"POST", "/activate", '{"activation":"prelu","params":{"alpha":0.2},"x":[-1,2],"outputs":["dy_dparams"]}'},
  {"POST", "/activate", '{"activation":"nope","x":[1]}'},
  {"POST", "/activate", '{"activation":"relu","x":[1,1e999]}'},
  {"POST", "/activate", '{"activation":"relu","x":[1,'},
  {"POST", "/neuron/forward", '{"weights":[0.5,-1,2],"bias":0.1,"activation":"sigmoid","x":[[1,2,3],[0,0,1]]}'},
  {"POST", "/neuron/backward", '{"weights":[[1,0],[0,1],[1,1]],"bias":[0,0,0],"activation":"softmax","x":[[1,2],[3,4]],"targets":[0,2],"loss":"cross_entropy","learning_rate":0.1}'},
  {"POST", "/neuron/backward", '{"weights":[1,2],"activation":"relu","x":[1,2],"targets":[1],"loss":"cross_entropy"}'},
  {"POST", "/loss", '{"loss":"softmax_cross_entropy","input":[[2,1,0.1]],"targets":[0]}'},
  {"POST", "/loss", '{"loss":"squared","input":[1,2],"targets":[1]}'},
  {"POST", "/init", '{"scheme":"xavier_uniform","shape":[4,8],"seed":7}'},
  {"POST", "/init", '{"scheme":"bogus","shape":[4,8]}'},
  {"GET", "/activations", nil},
  {"GET", "/activations/silu", nil},
  {"GET", "/healthz", nil},
  {"GET", "/metrics", nil},
  {"GET", "/missing", nil},
  {"PUT", "/activate", nil},
}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  i = math.random(#reqs)
  c2, c4, c5, other = 0, 0, 0, 0
end

function request()
  i = i % #reqs + 1
  local r = reqs[i]
  local headers = {}
  if r[3] then headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], headers, r[3])
end

function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1
  elseif status >= 400 then c4 = c4 + 1
  elseif status >= 200 and status < 300 then c2 = c2 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t2, t4, t5, to = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t2 = t2 + t:get("c2"); t4 = t4 + t:get("c4")
    t5 = t5 + t:get("c5"); to = to + t:get("other")
  end
  local e = summary.errors
  io.write(string.format("soak: requests=%d 2xx=%d 4xx=%d 5xx=%d other=%d\n",
    summary.requests, t2, t4, t5, to))
  io.write(string.format("soak: errors connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("soak: latency p50=%.0fus p99=%.0fus max=%.0fus\n",
    latency:percentile(50), latency:percentile(99), latency.max))
end
