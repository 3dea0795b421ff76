// META: global=shadowrealm
test(() => {}, "never run: we run no shadow realms");
