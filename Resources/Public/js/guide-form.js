// The guide form: each picture chosen (a phone screenshot, a photo) is made a JPEG at most 1080 px wide before it is
// sent, so that it stays under the server's limit per picture and phones can keep the guide offline.
'use strict';
(function () {
  const form = document.getElementById('guide-form');
  if (!form || typeof DataTransfer === 'undefined') return;
  const limit = Number(form.dataset.imageLimit || 307200);
  function shrink(file, width, quality) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, width / img.width);
        const canvas = document.createElement('canvas');
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        const g = canvas.getContext('2d');
        g.fillStyle = '#fff';
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(img.src);
        canvas.toBlob((blob) => blob ? resolve(blob) : reject(new Error('toBlob')), 'image/jpeg', quality);
      };
      img.onerror = reject;
      img.src = URL.createObjectURL(file);
    });
  }
  for (const input of form.querySelectorAll('input[type=file]')) {
    input.addEventListener('change', async () => {
      const file = input.files && input.files[0];
      if (!file || !file.type.startsWith('image/')) return;
      try {
        let blob = await shrink(file, 1080, 0.8);
        if (blob.size > limit) blob = await shrink(file, 720, 0.6);
        const out = new DataTransfer();
        out.items.add(new File([blob], file.name.replace(/\.[^.]*$/, '') + '.jpg', { type: 'image/jpeg' }));
        input.files = out.files;
      } catch (e) { /* sent as chosen: the server names the step if it is refused */ }
    });
  }
}());
