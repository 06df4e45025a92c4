//! Sealing secrets (SPEC D3): a sealed value opens only with its key, in
//! its place, unchanged; the key's text form is checked.
use app::backend::secrets::MasterKey;
use secrecy::ExposeSecret;

const KEY_A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_B: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

#[test]
fn d3_a_sealed_value_opens_only_with_its_key_in_its_place() {
    let a = MasterKey::parse(KEY_A).unwrap();
    let b = MasterKey::parse(KEY_B).unwrap();
    let plain = "postgres password: hunter2";
    let sealed = a.seal("constant:1:production", plain);
    assert!(!sealed.contains("hunter2"));
    assert!(sealed.starts_with("v1:"));
    // A fresh nonce each time: equal secrets do not look equal.
    assert_ne!(sealed, a.seal("constant:1:production", plain));
    assert_eq!(
        a.open("constant:1:production", &sealed)
            .unwrap()
            .expose_secret(),
        plain
    );
    assert!(
        b.open("constant:1:production", &sealed).is_none(),
        "another key"
    );
    assert!(
        a.open("constant:1:staging", &sealed).is_none(),
        "another place"
    );
    let mut tampered = sealed.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    assert!(
        a.open("constant:1:production", &tampered).is_none(),
        "changed"
    );
    for junk in ["", "v1:", "v1:zz", "v2:00", "plain text"] {
        assert!(a.open("x", junk).is_none(), "{junk:?}");
    }
    assert_eq!(a.open("x", &a.seal("x", "")).unwrap().expose_secret(), "");
}

#[test]
fn d3_the_key_is_64_hex_characters() {
    assert!(MasterKey::parse(KEY_A).is_ok());
    assert!(
        MasterKey::parse(&format!("  {KEY_A}\n")).is_ok(),
        "a key file's newline"
    );
    for bad in [
        "",
        "abc",
        &KEY_A[..62],
        &format!("{KEY_A}00"),
        &KEY_A.replace('0', "g"),
    ] {
        let e = MasterKey::parse(bad).unwrap_err();
        assert!(e.contains("64 hexadecimal characters"), "{bad}: {e}");
    }
    assert_eq!(
        format!("{:?}", MasterKey::parse(KEY_A).unwrap()),
        "MasterKey(********)"
    );
}
