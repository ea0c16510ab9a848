public import CarteiroDKIM

extension DKIMSigner: MessageSigner {}
