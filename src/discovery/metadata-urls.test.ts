import { describe, expect, it } from 'vitest';
import { metadataUrls } from './metadata-urls.js';

describe('metadataUrls', () => {
  it('tries RFC 8414 then OIDC for an issuer without a path', () => {
    expect(metadataUrls('https://idp.example.com')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server',
      'https://idp.example.com/.well-known/openid-configuration',
    ]);
    expect(metadataUrls('https://idp.example.com/')).toEqual(metadataUrls('https://idp.example.com'));
  });

  it('inserts the path, then appends it, for an issuer with a path', () => {
    expect(metadataUrls('https://idp.example.com/t1')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server/t1',
      'https://idp.example.com/.well-known/openid-configuration/t1',
      'https://idp.example.com/t1/.well-known/openid-configuration',
    ]);
  });

  it('drops a terminating slash and keeps ports and deep paths', () => {
    expect(metadataUrls('http://127.0.0.1:8080/realms/main/')).toEqual([
      'http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/main',
      'http://127.0.0.1:8080/.well-known/openid-configuration/realms/main',
      'http://127.0.0.1:8080/realms/main/.well-known/openid-configuration',
    ]);
  });
});
