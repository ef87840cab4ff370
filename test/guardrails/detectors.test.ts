import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid } from '../../src/guardrails/checksums';
import { DETECTORS, type DetectorName, isIPv6 } from '../../src/guardrails/detectors';
import { looksRandom } from '../../src/guardrails/secrets';

const found = (name: DetectorName, text: string) => DETECTORS[name](text).map(([a, b]) => text.slice(a, b));

describe('checksums', () => {
  it('accepts Luhn-valid numbers and refuses a changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });

  it('checks IBANs with mod-97 and the country length', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('XX89370400440532013000')).toBe(false);
  });
});

describe('detectors', () => {
  it('email: addresses, not look-alikes', () => {
    expect(found('email', 'write to john.doe+tag@mail.example.co.uk or bob@x.io.')).toEqual([
      'john.doe+tag@mail.example.co.uk',
      'bob@x.io',
    ]);
    expect(found('email', 'a@b, @handle, foo@bar.c1, user@localhost')).toEqual([]);
  });

  it('email: an address with letters beyond ASCII is found whole, not its ASCII tail', () => {
    expect(found('email', 'from josé.garcía@example.es and müller@bücher.de')).toEqual([
      'josé.garcía@example.es',
      'müller@bücher.de',
    ]);
    expect(found('email', 'écrire à ÉLODIE@exemple.fr, ι.παπαδόπουλος@example.gr, иван@почта.рф')).toEqual([
      'ÉLODIE@exemple.fr',
      'ι.παπαδόπουλος@example.gr',
      'иван@почта.рф',
    ]);
    // Accents as combining marks (NFD) are part of the letter they follow.
    expect(found('email', 'jose\u0301@example.com')).toEqual(['jose\u0301@example.com']);
    // In text written without spaces, the letters around an address are not part of it.
    expect(found('email', 'メールはbob@example.comまで')).toEqual(['bob@example.com']);
    expect(found('email', 'bob@example.com으로 보내세요')).toEqual(['bob@example.com']);
  });

  it('email: addresses written in CJK, Thai (with its marks) and Cyrillic are found', () => {
    expect(found('email', '联系：用户@例子.广告，ผู้ใช้@ตัวอย่าง.ไทย or пользователь@пример.рф')).toEqual([
      '用户@例子.广告',
      'ผู้ใช้@ตัวอย่าง.ไทย',
      'пользователь@пример.рф',
    ]);
    expect(found('email', '山田たろう@例え.jp, 사용자@예시.한국, user@例子.com, 𠀀𠀁@例子.广告')).toEqual([
      '山田たろう@例え.jp',
      '사용자@예시.한국',
      'user@例子.com',
      '𠀀𠀁@例子.广告',
    ]);
    // Without spaces, letters glued to the address are taken with it (more hidden, nothing leaked),
    // its local part reaching at most 64 characters back.
    expect(found('email', '请发到用户123@例子.广告谢谢')).toEqual(['请发到用户123@例子.广告谢谢']);
    expect(found('email', `${'长'.repeat(100)}@例子.广告`)).toEqual([`${'长'.repeat(64)}@例子.广告`]);
  });

  it('email: a top-level domain ends where its script does, a right-to-left word glued after it or not', () => {
    const hebrew = 'שלום'.repeat(8); // longer than any top-level domain
    expect(found('email', `bob@example.com${hebrew}`)).toEqual(['bob@example.com']);
    expect(found('email', 'כתבו אל bob@example.comمرحبا')).toEqual(['bob@example.com']);
    expect(found('email', 'user@пример.рфhello')).toEqual(['user@пример.рф']);
  });

  it('email: no address in ordinary CJK and Thai text with an @', () => {
    const text = '@所有人 请注意，价格是100@5.5元。我在@会议室等你。ส่งถึง @สมชาย ได้เลย ＠田中さん、よろしく';
    expect(found('email', text)).toEqual([]);
  });

  it('phone: international and grouped national formats, not dates or bare numbers', () => {
    expect(
      found('phone', 'call +1 (415) 555-2671, +44 20 7946 0958, 415-555-2671 or +4915112345678'),
    ).toEqual(['+1 (415) 555-2671', '+44 20 7946 0958', '415-555-2671', '+4915112345678']);
    expect(found('phone', 'on 2024-01-15, order 12345678901, scores 1.5 2.5 3.5 4.5 5.5, +123')).toEqual([]);
  });

  it('phone: a one-digit group after the country code, a (0) trunk prefix, two numbers in a row', () => {
    for (const phone of ['+33 6 12 34 56 78', '+31 6 12345678', '+49 (0)30 12345678', '+44 (0)20 7946 0958'])
      expect(found('phone', `call ${phone} now`)).toEqual([phone]);
    expect(found('phone', 'Phones: 555-123-4567 555-987-6543.')).toEqual(['555-123-4567', '555-987-6543']);
    expect(found('phone', 'ref 12 555-123-4567, or 555.123.4567 555.987.6543')).toEqual([
      '555-123-4567',
      '555.123.4567',
      '555.987.6543',
    ]);
    // One run of groups parted alike holds no phone number: no part of a card number is one.
    expect(found('phone', 'card 4111 1111 1111 1111')).toEqual([]);
  });

  it('phone: not IPv4 addresses, decimals, coordinates, or digits glued to a word by "-"', () => {
    expect(found('phone', 'gateway 192.168.10.100, pi 3.14159265358979, lon -122.4194155')).toEqual([]);
    expect(found('phone', 'Order ORD-2024-123456 shipped, file backup-20240115-103000.tar.gz')).toEqual([]);
    expect(found('phone', '-122.4194155')).toEqual([]); // a JSON number of tool-call arguments is a text
    expect(found('phone', 'office 415.555.2671, tél. 06.12.34.56.78')).toEqual([
      '415.555.2671',
      '06.12.34.56.78',
    ]);
  });

  it('credit_card: Luhn-valid numbers of a card network, grouped or not', () => {
    expect(found('credit_card', 'pay 4111 1111 1111 1111 or 5555-5555-5555-4444 or 378282246310005')).toEqual(
      ['4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005'],
    );
    expect(found('credit_card', '4111 1111 1111 1112, 1234567812345670, 4111 11111 111 1111 0')).toEqual([]);
  });

  it('credit_card: a number followed by its expiry or CVV, or after other digits, is found without them', () => {
    expect(found('credit_card', 'Card 4111 1111 1111 1111 12/25')).toEqual(['4111 1111 1111 1111']);
    expect(found('credit_card', 'Card 4111 1111 1111 1111 123')).toEqual(['4111 1111 1111 1111']);
    expect(found('credit_card', 'Amex 3782 822463 10005 1234')).toEqual(['3782 822463 10005']);
    expect(found('credit_card', 'ref 1234 4111 1111 1111 1111')).toEqual(['4111 1111 1111 1111']);
  });

  it('iban: valid checksum and country length only', () => {
    expect(found('iban', 'to DE89 3704 0044 0532 0130 00 and GB82WEST12345698765432.')).toEqual([
      'DE89 3704 0044 0532 0130 00',
      'GB82WEST12345698765432',
    ]);
    expect(
      found('iban', 'DE89 3704 0044 0532 0130 01, GB82WEST12345698765432X, XX00 1234 5678 9012'),
    ).toEqual([]);
  });

  it('iban: two in a row parted by a space are both found', () => {
    const text = 'DE89 3704 0044 0532 0130 00 GB82 WEST 1234 5698 7654 32';
    expect(found('iban', text)).toEqual(['DE89 3704 0044 0532 0130 00', 'GB82 WEST 1234 5698 7654 32']);
  });

  it('reads digit groups parted by no-break, narrow no-break and thin spaces, as pasted text has them', () => {
    const [nbsp, narrow, thin] = ['\u00a0', '\u202f', '\u2009'];
    expect(found('credit_card', `card 4111${nbsp}1111${nbsp}1111${nbsp}1111.`)).toEqual([
      `4111${nbsp}1111${nbsp}1111${nbsp}1111`,
    ]);
    expect(found('phone', `tél. 06${narrow}12${narrow}34${narrow}56${narrow}78`)).toEqual([
      `06${narrow}12${narrow}34${narrow}56${narrow}78`,
    ]);
    expect(found('iban', `IBAN DE89${thin}3704${thin}0044${thin}0532${thin}0130${thin}00`)).toEqual([
      `DE89${thin}3704${thin}0044${thin}0532${thin}0130${thin}00`,
    ]);
  });

  it('reads full-width digits and signs as ASCII and looks through zero-width characters, spans on the text as given', () => {
    expect(found('phone', '電話：０９０－１２３４－５６７８まで')).toEqual(['０９０－１２３４－５６７８']);
    expect(found('email', 'mail alice\u200b@example.com now')).toEqual(['alice\u200b@example.com']);
    expect(found('credit_card', 'カード ４１１１ １１１１ １１１１ １１１１')).toEqual([
      '４１１１ １１１１ １１１１ １１１１',
    ]);
    expect(found('email', 'ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toEqual(['ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ']);
    expect(found('phone', '０１２３')).toEqual([]); // too short, full-width or not
  });

  it('ssn: valid area, group and serial', () => {
    expect(found('ssn', 'SSN 123-45-6789 or 123 45 6789')).toEqual(['123-45-6789', '123 45 6789']);
    // Groups parted by a no-break or thin space, as pasted from documents (the same one twice).
    expect(found('ssn', 'SSN 123\u00a045\u00a06789, 123\u200945\u20096789')).toEqual([
      '123\u00a045\u00a06789',
      '123\u200945\u20096789',
    ]);
    expect(found('ssn', '000-12-3456 666-12-3456 923-45-6789 123-00-4567 123-45-0000 123-45 6789')).toEqual(
      [],
    );
  });

  it('ip: IPv4 with octets ≤ 255 and IPv6 text forms', () => {
    expect(found('ip', 'hosts 192.168.1.1, 2001:db8::8a2e:370:7334 and fe80::1.')).toEqual([
      '192.168.1.1',
      '2001:db8::8a2e:370:7334',
      'fe80::1',
    ]);
    expect(found('ip', '10.0.0.256, 1.2.3, 12:30:45, 00:1A:2B:3C:4D:5E, std::vector, ::')).toEqual([]);
    expect(isIPv6('::ffff:192.0.2.1')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7:8:9')).toBe(false);
    expect(isIPv6('1::2::3')).toBe(false);
  });

  it('secret: provider key formats and random-looking strings, not identifiers', () => {
    const keys = [
      'sk-proj-abcdefghijklmnopqrstuvwxyz12',
      'sk-ant-api03-AAAABBBBCCCCDDDDEEEEFFFF',
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'xoxb-1234567890-abcdef',
      'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'tg-abcdefghijklmnopqrstuvwxyz012345',
      'Zx8kQ2mP9vL4nR7tY1wB6cJ3hF5gD0sA',
    ];
    expect(found('secret', `keys: ${keys.join(', ')}.`)).toEqual(keys);
    expect(
      found(
        'secret',
        'task-abcdefghijklmnopqrstuvwxyz12 ThisIsMyVeryLongVariableName2024 da39a3ee5e6b4b0d3255bfef95601890afd80709',
      ),
    ).toEqual([]);
    const pem =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----';
    expect(found('secret', `key:\n${pem}\nend`)).toEqual([pem]);
    const pgp = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----';
    expect(found('secret', `key:\n${pgp}\nend`)).toEqual([pgp]);
    expect(looksRandom('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toBe(false);
  });

  it('secret: a run of millions of base64 characters (a file as text) is data, not a stack overflow', () => {
    const chunk = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk+/';
    const blob = chunk.repeat(Math.ceil(6_000_000 / chunk.length));
    const key = 'Zx8kQ2mP9vL4nR7tY1wB6cJ3hF5gD0sA';
    expect(found('secret', `file: ${blob} and key ${key}.`)).toEqual([key]);
  });

  it('scans 1 MB of adversarial text per detector in bounded time', () => {
    const size = 1 << 20;
    const inputs = [
      'a'.repeat(size),
      '1'.repeat(size),
      '1 '.repeat(size / 2),
      'a@'.repeat(size / 2),
      'aB1-'.repeat(size / 4),
      'dead:'.repeat(size / 5),
      '1.'.repeat(size / 2),
      '-----BEGIN RSA PRIVATE KEY-----'.repeat(size / 31),
      'DE89 '.repeat(size / 5),
      '4 '.repeat(size / 2),
      '4111 '.repeat(size / 5),
      '555-123-4567 '.repeat(size / 13),
      '用'.repeat(size),
      '用@'.repeat(size / 2),
      '用@例.'.repeat(size / 4),
      `${'用'.repeat(63)}@`.repeat(size / 64),
      'ผู้'.repeat(size / 3),
    ];
    for (const [name, detect] of Object.entries(DETECTORS)) {
      for (const input of inputs) {
        const started = performance.now();
        detect(input);
        expect(performance.now() - started, `${name} on ${input.slice(0, 12)}…`).toBeLessThan(1500);
      }
    }
  });
});
