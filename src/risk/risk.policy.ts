// The STC policy is a pure function of the merchant's industry profile, so it lives with merchants (risk depends on
// merchants, never the reverse); re-exported here for callers outside this slice.
export * from '../merchants/merchant.stc-policy';
