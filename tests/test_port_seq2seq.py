"""PyTorch's "NLP From Scratch: Translation with a Sequence to Sequence Network and
Attention" tutorial's encoder and attention decoder, written once and run on both
libraries by renaming (torch -> autograd_core, torch.nn -> nn, F -> nn.functional):
torch's weights loaded into ours by state dict, three Adam steps of teacher forcing give
the same losses and weights, and greedy decoding the same tokens."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as nnF
import optim

torch = pytest.importorskip("torch")

SOS_token, MAX_LENGTH = 0, 5


def tutorial(torch, nn, F, optim):
    """The tutorial's classes, verbatim but for ``dropout_p`` (0: no random draws)."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.0):
            super(EncoderRNN, self).__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super(BahdanauAttention, self).__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = torch.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.0):
            super(AttnDecoderRNN, self).__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long,
                                        device=device).fill_(SOS_token)
            decoder_hidden = encoder_hidden
            decoder_outputs = []
            attentions = []
            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs)
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # teacher forcing
                else:
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            decoder_outputs = torch.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = torch.cat(attentions, dim=1)
            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = torch.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)
            return output, hidden, attn_weights

    def train_steps(encoder, decoder, input_tensor, target_tensor, steps):
        encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
        decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
        criterion = nn.NLLLoss()
        losses = []
        for _ in range(steps):
            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
            loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)),
                             target_tensor.view(-1))
            loss.backward()
            encoder_optimizer.step()
            decoder_optimizer.step()
            losses.append(loss.item())
        return losses

    return EncoderRNN, AttnDecoderRNN, train_steps


def test_seq2seq_with_attention_ports_by_renaming():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    try:
        TEnc, TDec, ttrain = tutorial(torch, torch.nn, torch.nn.functional, torch.optim)
        t_enc, t_dec = TEnc(11, 8), TDec(8, 13)
    finally:
        torch.set_default_dtype(torch.float32)
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after the test
    Enc, Dec, train = tutorial(ag, nn, nnF, optim)
    enc, dec = Enc(11, 8), Dec(8, 13)
    enc.load_state_dict(t_enc.state_dict())
    dec.load_state_dict(t_dec.state_dict())
    rng = np.random.default_rng(0)
    source, target = rng.integers(1, 11, (4, MAX_LENGTH)), rng.integers(1, 13, (4, MAX_LENGTH))
    want = ttrain(t_enc, t_dec, torch.tensor(source), torch.tensor(target), 3)
    got = train(enc, dec, ag.tensor(source), ag.tensor(target), 3)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    for ours, theirs in ((enc, t_enc), (dec, t_dec)):
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            # Embedding's table keeps Keras's name here; its state dict reads PyTorch's
            assert name.replace("embedding.embeddings", "embedding.weight") == tname
            np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-8, atol=1e-10)
    with ag.no_grad():
        tokens, _, attention = dec(*enc(ag.tensor(source)))
    with torch.no_grad():
        ttokens, _, tattention = t_dec(*t_enc(torch.tensor(source)))
    np.testing.assert_array_equal(tokens.topk(1)[1].numpy(), ttokens.topk(1)[1].numpy())
    np.testing.assert_allclose(attention.numpy(), tattention.numpy(), rtol=1e-9)
