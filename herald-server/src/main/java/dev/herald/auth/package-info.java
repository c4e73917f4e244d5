/**
 * HMAC-SHA256 signing and constant-time verification: channel auth, user sign-in, REST request
 * signatures and webhook signatures.
 */
package dev.herald.auth;
