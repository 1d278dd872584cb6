package com.strongroom.keys;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;

/**
 * A PKCS#11 library may be initialised once per process, so modules are shared by path. Tokens
 * that appear after C_Initialize (an HSM that comes back, a token restored from backup) only
 * show up after C_Finalize and a new C_Initialize, hence {@link #reinitialize}.
 */
final class Pkcs11Modules {
    private static final Map<String, PKCS11Module> MODULES = new HashMap<>();

    static {
        Pkcs11Logging.install();
    }

    private Pkcs11Modules() {}

    static synchronized PKCS11Module get(String path) throws HsmException {
        PKCS11Module module = MODULES.get(path);
        if (module != null) {
            return module;
        }
        try {
            module = PKCS11Module.getInstance(path);
            module.initialize();
        } catch (IOException | PKCS11Exception | RuntimeException e) {
            throw new HsmException(
                    HsmException.Reason.MODULE_UNAVAILABLE,
                    "PKCS#11 module " + path + " cannot be loaded: " + e.getMessage(),
                    e);
        }
        MODULES.put(path, module);
        return module;
    }

    static synchronized PKCS11Module reinitialize(String path) throws HsmException {
        PKCS11Module old = MODULES.remove(path);
        if (old != null) {
            try {
                old.finalize(null);
            } catch (PKCS11Exception | RuntimeException e) {
                // The library is already in a bad state; a fresh C_Initialize is the recovery.
            }
        }
        return get(path);
    }
}
