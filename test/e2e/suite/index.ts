import Mocha from 'mocha';
import { defineTests } from './extension.suite';

/** Entry point the extension host calls (extensionTestsPath): runs the suite, rejects on any failure. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false });
  defineTests(mocha.suite);
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve())));
}
