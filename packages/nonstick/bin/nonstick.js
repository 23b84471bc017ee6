#!/usr/bin/env node
// Committed entry point, so package managers can link the bin before the build.
import '../dist/src/bin.js';
