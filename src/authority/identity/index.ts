export { createLocalAccounts, type LocalAccounts, type LocalAccountsOptions } from './local-accounts.js';
export { identityConfiguration, ACCOUNT_CLAIMS } from './configuration.js';
export { checkUsername, MAX_USERNAME_LENGTH, type UsernameCheck } from './username.js';
export { hashPassword, checkPassword, passwordProblem, isPasswordHash, needsUpgrade, SCRYPT_COST, MIN_PASSWORD_LENGTH, MAX_PASSWORD_BYTES } from './password-hash.js';
export { readUsersFile, writeUsersFile, watchUsersFile, usersFilePath, type LocalUser, type UsersSource } from './users-file.js';
