#!/usr/bin/env node
import '../../../dist/pggraph-bridge.mjs'
