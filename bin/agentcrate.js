#!/usr/bin/env -S node --
// `node bin/agentcrate.js …` (scripts, tests, benchmarks): the package's bin, bin/agentcrate.cjs.
import './agentcrate.cjs';
