// The store tests' metric definitions and snapshot builders live with the backend suite they
// serve (@pggraph/store/testing); the other tests take them from there.
export * from '../src/testing/fixtures.js'
