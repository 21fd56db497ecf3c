// The render tests' synthetic series live with the renderer suite they serve
// (@pggraph/render/testing); tests, docs pictures and benchmarks take them from there.
export * from '../src/testing/fixtures.js'
