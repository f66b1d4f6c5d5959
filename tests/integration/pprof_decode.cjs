// Decodes an ungzipped pprof profile with the npm package pprof-format (an
// independent decoder that follows google/pprof's schema) and prints it as
// JSON, names resolved from the string table, numbers as decimal strings:
// {sample_type: [[type, unit]], samples: [{locations, values, labels}],
//  locations: {id: [function id, line]}, functions: {id: [name, file,
//  start line]}, period, duration, default_type}.
// Usage: node pprof_decode.cjs PPROF_FORMAT_DIR PROFILE.pb
"use strict";
const fs = require("fs");
const { Profile } = require(process.argv[2]);

const p = Profile.decode(fs.readFileSync(process.argv[3]));
const s = (i) => p.stringTable.strings[Number(i)];
const n = (v) => String(v);
const labels = (list) => {
  const out = {};
  for (const l of list) out[s(l.key)] = Number(l.str) ? s(l.str) : n(l.num);
  return out;
};
const locations = {};
for (const l of p.location)
  locations[n(l.id)] = l.line.map((x) => [n(x.functionId), n(x.line)]);
const functions = {};
for (const f of p.function) functions[n(f.id)] = [s(f.name), s(f.filename), n(f.startLine)];
console.log(JSON.stringify({
  sample_type: p.sampleType.map((t) => [s(t.type), s(t.unit)]),
  samples: p.sample.map((x) => ({
    locations: x.locationId.map(n), values: x.value.map(n), labels: labels(x.label) })),
  locations, functions,
  period: n(p.period), duration: n(p.durationNanos), default_type: s(p.defaultSampleType),
}));
